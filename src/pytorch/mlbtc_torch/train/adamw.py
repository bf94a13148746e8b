"""
AdamW with µP per-tensor learning rates (§2.4) and global gradient-norm clipping, in float32: a port of
src/engine/train/adamw.ts, which computes exactly what PyTorch's AdamW (non-fused, amsgrad off) and clip_grad_norm_
compute, so the two runtimes agree step by step:

  g ← g · min(1, clip / (‖g‖₂ + 1e-6))            (global norm over every tensor; skipped when clip is None)
  lrₑ = lr · schedule · lrScale(tensor of e)
  p ← p · (1 − lrₑ · weightDecay)                  (only tensors with NamedParam.decay: decoupled decay)
  m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
  p ← p − (lrₑ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)

The per-tensor scalars (decay factor, step size, 1/√(1 − β₂ᵗ)) are rounded to float32 the way the tfjs engine
forms them (float32 constant tensors), so both runtimes apply the same numbers.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Sequence

import torch

from ..types import NamedParam

#: PyTorch's clip_grad_norm_ adds this to the norm before dividing.
CLIP_EPS = 1e-6


def f32(x: float) -> float:
    """`x` rounded to the nearest float32, as a Float32Array or a tfjs scalar would hold it."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


@dataclass
class AdamWState:
    #: Updates applied so far (t in the bias corrections).
    step: int
    #: First and second moments, one float32 CPU tensor per parameter, in parameter order.
    m: List[torch.Tensor]
    v: List[torch.Tensor]


class AdamW:
    def __init__(self, params: Sequence[NamedParam], training: Mapping[str, Any]):
        self.params = list(params)
        self.beta1 = float(training["beta1"])
        self.beta2 = float(training["beta2"])
        self.eps = float(training["eps"])
        self.weight_decay = float(training["weightDecay"])
        clip = training["gradClip"]
        self.grad_clip: Optional[float] = None if clip is None else float(clip)
        self.t = 0
        self.m = [torch.zeros_like(p.param, dtype=torch.float32) for p in self.params]
        self.v = [torch.zeros_like(p.param, dtype=torch.float32) for p in self.params]

    @property
    def step(self) -> int:
        return self.t

    @torch.no_grad()
    def apply(self, grads: Sequence[Optional[torch.Tensor]], lr: float) -> None:
        """One update. grads[i] belongs to params[i]; None (a parameter the loss does not reach) counts as zero."""
        self.t += 1
        bc1 = 1 - self.beta1**self.t
        bc2 = 1 - self.beta2**self.t
        g = [torch.zeros_like(m) if x is None else x.detach().to(torch.float32) for x, m in zip(grads, self.m)]
        if self.grad_clip is not None and g:
            norm = torch.sqrt(sum((x * x).sum() for x in g))
            factor = torch.clamp(self.grad_clip / (norm + CLIP_EPS), max=1)
            g = [x * factor for x in g]
        inv_sqrt_bc2 = f32(1 / math.sqrt(bc2))
        for p, x, m, v in zip(self.params, g, self.m, self.v):
            m.mul_(self.beta1).add_(x * (1 - self.beta1))
            v.mul_(self.beta2).add_(x * x * (1 - self.beta2))
            w = p.param
            if self.weight_decay > 0 and p.decay:
                w.mul_(f32(1 - f32(f32(p.lr_scale * self.weight_decay) * f32(lr))))
            denom = v.sqrt().mul_(inv_sqrt_bc2).add_(self.eps)
            w.sub_(m.div(denom).mul_(f32(f32(p.lr_scale) * f32(lr / bc1))))

    def get_state(self) -> AdamWState:
        """A copy of the state on the CPU."""
        return AdamWState(self.t, [m.detach().cpu().clone() for m in self.m], [v.detach().cpu().clone() for v in self.v])

    def set_state(self, state: AdamWState) -> None:
        if len(state.m) != len(self.params) or len(state.v) != len(self.params):
            raise ValueError(f"optimiser state holds moments of {len(state.m)} tensors, the model has {len(self.params)}")
        self.t = state.step
        with torch.no_grad():
            for mine, m in zip(self.m, state.m):
                mine.copy_(m)
            for mine, v in zip(self.v, state.v):
                mine.copy_(v)
