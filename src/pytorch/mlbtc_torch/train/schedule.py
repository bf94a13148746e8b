"""
Learning-rate schedule (§2.5), a port of src/engine/train/schedule.ts: linear warm-up, then constant (the reference)
or cosine decay to minLrRatio·lr.

Steps are 1-based, as the reference counts iterations: step s ≤ warmupSteps runs at s/warmupSteps of the base rate
(step 1 of a 1000-step warm-up uses lr/1000, step 1000 the full rate), never at zero. Cosine: progress
p = (s − warmup)/(steps − warmup) runs from just above 0 to exactly 1 at the last step, and the multiplier is
minLrRatio + (1 − minLrRatio)·½(1 + cos πp).
"""
from __future__ import annotations

import math
from typing import Any, Mapping


def lr_multiplier(step: int, training: Mapping[str, Any]) -> float:
    """Multiplier of the base learning rate at 1-based step `step` (training: the resolved spec's training block)."""
    warmup = training["warmupSteps"]
    if step <= warmup:
        return step / warmup
    if training["schedule"] == "constant":
        return 1
    decay_steps = training["steps"] - warmup
    if decay_steps <= 0:
        return 1
    progress = min(1, (step - warmup) / decay_steps)
    ratio = training["minLrRatio"]
    return ratio + (1 - ratio) * 0.5 * (1 + math.cos(math.pi * progress))
