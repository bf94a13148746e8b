"""
Creating the trainable tensors of a model with µP initialisation and learning-rate scales (§2.4), exactly as
src/engine/model/params.ts: every value is drawn from the seeded Rng in construction order, so the same seed gives
the same weights in both runtimes.

- matrices: N(0, 1/fan_in), lr_scale = W₀/fan_in (W₀ = training.mupBaseWidth);
- output projections (attention wo, MLP c_proj, lm head, read-outs): zeros, lr_scale = W₀/fan_in;
- embeddings (tokens, positions, read-ins): N(0, 0.02²), lr_scale 1;
- LayerNorm gains: ones, lr_scale 1.
Weight decay applies to tensors of two or more dimensions.
"""
from __future__ import annotations

import math
from typing import List, Sequence

import torch
from torch import nn

from ..rng import Rng
from ..types import NamedParam

EMBEDDING_STD = 0.02


class ParamFactory:
    def __init__(self, rng: Rng, base_width: int):
        self.rng = rng
        self.base_width = base_width
        self.params: List[NamedParam] = []

    def matrix(self, name: str, shape: Sequence[int], fan_in: int) -> nn.Parameter:
        """A weight of any rank whose contraction dimension is `fan_in`: N(0, 1/fan_in), lr_scale W₀/fan_in."""
        return self._add(name, self._normal(shape, 1 / math.sqrt(fan_in)), self.base_width / fan_in)

    def zero_matrix(self, name: str, shape: Sequence[int], fan_in: int) -> nn.Parameter:
        """A zero-initialised output projection with lr_scale W₀/fan_in."""
        return self._add(name, torch.zeros(*shape), self.base_width / fan_in)

    def embedding(self, name: str, shape: Sequence[int]) -> nn.Parameter:
        """An embedding table (tokens, positions, read-ins): N(0, 0.02²), lr_scale 1."""
        return self._add(name, self._normal(shape, EMBEDDING_STD), 1.0)

    def gain(self, name: str, size: int) -> nn.Parameter:
        """A LayerNorm gain of ones, lr_scale 1, never decayed."""
        return self._add(name, torch.ones(size), 1.0)

    def _normal(self, shape: Sequence[int], std: float) -> torch.Tensor:
        # Products in float64 (as JavaScript numbers), then rounded to float32 as Float32Array stores them.
        count = math.prod(shape)
        values = torch.tensor(self.rng.normals(count), dtype=torch.float64) * std
        return values.to(torch.float32).reshape(*shape)

    def _add(self, name: str, value: torch.Tensor, lr_scale: float) -> nn.Parameter:
        if any(p.name == name for p in self.params):
            raise ValueError(f'Parameter name "{name}" is used twice; every parameter needs a unique checkpoint key.')
        param = nn.Parameter(value)
        self.params.append(NamedParam(name, param, lr_scale, value.dim() >= 2))
        return param
