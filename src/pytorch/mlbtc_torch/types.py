"""
The seam between the model/task side (mlbtc_torch.model, mlbtc_torch.tasks) and the training side, as
src/engine/types.ts is for the tfjs engine: both sides code against these types only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch


@dataclass
class NamedParam:
    """One trainable tensor with what the optimiser needs to know about it (µP, §2.4)."""

    #: Stable, unique checkpoint key, e.g. "h.3.attn.wq" (the tfjs engine's names).
    name: str
    param: torch.nn.Parameter
    #: Per-tensor learning-rate multiplier: W₀/fan_in for matrices, 1 for embeddings and gains (§2.4).
    lr_scale: float
    #: AdamW weight decay applies only to tensors of two or more dimensions.
    decay: bool


@dataclass
class Batch:
    """Model inputs and targets. icl-regression: (B, T, d) / (B, N) float32 with a (B, N) mask; language-model:
    (B, T) int64 ids; forecast: (B, L + H, C) / (B, H, C) float32."""

    inputs: torch.Tensor
    targets: torch.Tensor
    #: Optional per-position weight (the ICL curriculum mask); same shape as targets.
    mask: Optional[torch.Tensor]
    #: Number of tokens this batch trains on (for throughput and FLOP accounting).
    tokens: int

    def to(self, device: torch.device) -> "Batch":
        return Batch(
            self.inputs.to(device),
            self.targets.to(device),
            None if self.mask is None else self.mask.to(device),
            self.tokens,
        )
