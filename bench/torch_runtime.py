#!/usr/bin/env python3
"""
Times MLBTC Studio's PyTorch runtime (src/pytorch/mlbtc_torch) on one resolved spec: the training job's own
Trainer.step (task batch, forward, backward, clip, AdamW), on the device and precision asked for, with or without
the fast path (flex_attention block masks and torch.compile), so what is timed is what a run does.

Usage: python3 bench/torch_runtime.py '<json>'   ->   one JSON line: {"cpuMs", "wallMs", "params", "fast", "device"}
Config: {"spec": <resolved spec>, "specDir": folder the spec's data path is relative to, "steps", "warmup",
         "device" ("cpu" | "cuda" | ...), "precision" ("fp32" | "bf16"), "fast" (bool), "threads" (CPU threads)}
With "mode": "scores" (and "batch") it times the forward pass of layer 0's attention logits instead, on a random
input (B, T, D): what the tfjs engine's `attentionLogits` is timed on.
"""
import contextlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "pytorch"))

import torch  # noqa: E402

from mlbtc_torch import Rng, build_model, create_task  # noqa: E402
from mlbtc_torch.train.trainer import Trainer  # noqa: E402


def main(cfg):
    torch.set_num_threads(cfg.get("threads", 1))
    spec, device = cfg["spec"], torch.device(cfg.get("device", "cpu"))
    root = Rng(spec["training"]["seed"])
    model = build_model(spec, root.fork(), fast=True) if cfg.get("fast") else build_model(spec, root.fork())
    model.to(device)
    bf16 = cfg.get("precision") == "bf16"
    autocast = (lambda: torch.autocast(device.type, dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
    if cfg.get("mode") == "scores":
        x = torch.randn(cfg.get("batch", 2), spec["model"]["seqLen"], spec["model"]["width"], device=device)

        def run(_step):
            with torch.no_grad(), autocast():
                model.attention_logits(0, x)
    else:
        task = create_task(spec, cfg.get("specDir", "."), root.fork())
        run = Trainer(model, task, spec["training"], device, autocast).step
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    step = 0
    for _ in range(cfg.get("warmup", 1)):  # the first steps compile (fast path) and allocate
        step += 1
        run(step)
    sync()
    n = cfg.get("steps", 3)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        step += 1
        run(step)
    sync()
    return {
        "cpuMs": (time.process_time() - cpu0) * 1000 / n,
        "wallMs": (time.perf_counter() - wall0) * 1000 / n,
        "params": sum(p.param.numel() for p in model.named_params()),
        "fast": bool(cfg.get("fast")),
        "device": str(device),
    }


if __name__ == "__main__":
    print(json.dumps({"torch": torch.__version__, **main(json.loads(sys.argv[1]))}))
