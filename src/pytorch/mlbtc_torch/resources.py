"""
Will a run fit? The resource check of the tfjs worker (src/core/analysis/resources.ts memoryProblem; docs/choices.md
"Resource check"), applied to the estimate the run's creator recorded in spec.json (`trainingMemory`, docs/formats.md
"spec.json"): a run whose estimate exceeds the free memory of its device is refused before the model is built, with
the same message naming the settings to change. The estimate itself is not ported: one computation, in TypeScript.
"""
from __future__ import annotations

import os
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Dict, Mapping, Optional, Tuple

MEMORY_KEYS = ("state", "activations", "evaluation", "total")


class ResourceError(Exception):
    """The run cannot fit; the message names the settings to change."""


def recorded_memory(run_spec: Mapping[str, Any], spec_file: str) -> Optional[Dict[str, float]]:
    """spec.json's `trainingMemory`; None in a folder created before it was recorded (then there is no check)."""
    need = run_spec.get("trainingMemory")
    if need is None:
        return None
    numeric = isinstance(need, dict) and all(
        isinstance(need.get(k), (int, float)) and not isinstance(need.get(k), bool) for k in MEMORY_KEYS
    )
    if not numeric:
        raise ResourceError(f"{spec_file}: trainingMemory is not {{{', '.join(MEMORY_KEYS)}}} in bytes; create the run again")
    return {k: need[k] for k in MEMORY_KEYS}


def memory_problem(need: Mapping[str, float], training: Mapping[str, Any], free_bytes: float, where: str) -> Optional[str]:
    """Why the run cannot fit, as memoryProblem words it ("the <free> <where>", e.g. "this machine has free"); None
    when it may."""
    if need["total"] <= free_bytes:
        return None
    micro, batch_size = training.get("microBatchSize"), training["batchSize"]
    batch = f"training.batchSize {batch_size}" if micro is None else f"training.microBatchSize {micro}"
    return (
        f"training needs about {short_bytes(need['total'])} (parameters, gradients and AdamW state {short_bytes(need['state'])}; "
        f"activations of {batch} sequences {short_bytes(need['activations'])}; evaluation of training.batchSize {batch_size} "
        f"sequences {short_bytes(need['evaluation'])}), more than the {short_bytes(free_bytes)} {where}. Lower training.batchSize "
        "(or set training.microBatchSize), model.seqLen, model.width or model.layers."
    )


def free_memory(device) -> Optional[Tuple[int, str]]:
    """Free bytes of the torch device a run trains on and how the message names them; None where they are unknown
    (no check). A CUDA device has its own memory; the CPU and MPS (unified memory) use the machine's."""
    if device.type == "cuda":
        import torch

        return torch.cuda.mem_get_info(device)[0], f"{device} has free"
    free = machine_free_memory()
    return None if free is None else (free, "this machine has free")


def machine_free_memory() -> Optional[int]:
    """The machine's free memory as Node's os.freemem() reads it: MemAvailable on Linux, else available pages."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


_BYTE_SUFFIXES = (" B", " KiB", " MiB", " GiB", " TiB", " PiB")


def short_bytes(n: float) -> str:
    """shortBytes (src/core/format.ts): 48.0 KiB, 1.50 MiB, 512 B."""
    i, v = 0, abs(n)
    while v >= 1024 and i < len(_BYTE_SUFFIXES) - 1:
        v /= 1024
        i += 1
    # Three digits cannot show 1023.9 KiB: once rounding reaches 1000, move up a unit (1.00 MiB).
    if i > 0 and float(_to_precision_3(v)) >= 1000 and i < len(_BYTE_SUFFIXES) - 1:
        v /= 1024
        i += 1
    digits = str(int(Decimal(v).quantize(Decimal(1), ROUND_HALF_UP))) if i == 0 else _to_precision_3(v)
    return f"{'-' if n < 0 else ''}{digits}{_BYTE_SUFFIXES[i]}"


def _to_precision_3(v: float) -> str:
    """Number.prototype.toPrecision(3) of a positive float: ties round up on the exact binary value, fixed notation
    below 1e3 (the units keep v there, but the last one), else "d.dde+N"."""
    exact = Decimal(v)
    e = exact.adjusted()
    rounded = exact.quantize(Decimal(1).scaleb(e - 2), ROUND_HALF_UP)
    if rounded.adjusted() > e:  # 999.5 → 1.00e+3
        e += 1
        rounded = exact.quantize(Decimal(1).scaleb(e - 2), ROUND_HALF_UP)
    if e >= 3:
        digits = str(rounded.scaleb(2 - e).to_integral_value())
        return f"{digits[0]}.{digits[1:]}e+{e}"
    return f"{rounded:f}"
