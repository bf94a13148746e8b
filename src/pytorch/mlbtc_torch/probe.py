"""
What this Python can train on, for the editor's "Show Training Devices":

    python -m mlbtc_torch.probe
    {"python": "3.11.7", "torch": "2.13.0", "cuda": [{"index": 0, "name": "NVIDIA H200", "memory": 150119956480}],
     "mps": false, "fast": true}

One JSON line on stdout, always (exit 0): without torch, {"python": ..., "torch": null, "error": "..."}. `memory` is
the device's total memory in bytes; `fast` says whether the fast path (flex_attention, torch.compile) is available.
"""
from __future__ import annotations

import json
import platform
import sys
from typing import Any, Dict


def probe() -> Dict[str, Any]:
    result: Dict[str, Any] = {"python": platform.python_version()}
    try:
        import torch
    except ImportError as e:
        return {**result, "torch": None, "error": f"PyTorch is not installed for {sys.executable} ({e})"}
    result["torch"] = torch.__version__.split("+")[0]
    cuda = []
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            cuda.append({"index": i, "name": props.name, "memory": props.total_memory})
    result["cuda"] = cuda
    mps = getattr(torch.backends, "mps", None)
    result["mps"] = bool(mps and mps.is_available())
    try:
        from .model.model import fast_path_available

        result["fast"] = fast_path_available() and hasattr(torch, "compile")
    except ImportError:
        result["fast"] = False
    return result


if __name__ == "__main__":
    print(json.dumps(probe()))
