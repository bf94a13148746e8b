"""
Summing block-diagonal matrices of different block sizes without a T×T matrix per level (MLR attention, §3.4(e):
"an efficient implementation adds the block products directly").

Level l contributes block products (G, T/m_l, m_l, m_l) (G = batch × heads). The forward pass allocates one
(G, T, T) tensor and adds each level's products onto its diagonal blocks through a strided view; the backward pass
reads each level's gradient off the same diagonal blocks. A custom autograd function, because autograd's own
treatment of in-place writes into views copies the whole T×T gradient once per level, and the tfjs engine's
re-blocking (src/engine/model/attention/blockDiagonal.ts: pads and reshapes, made for tfjs's kernel set) spends its
time in padding and copies on torch. Measured at T 1024 with the paper's eight-level schedule, forward + backward of
the scores on 2 CPU threads: this 0.40 s, in-place views under autograd 1.7 s, re-blocking 1.8 s, masked T×T
products per level 3.0 s. Any schedule whose block sizes divide T works, nested or not.
"""
from __future__ import annotations

from typing import List, Sequence

import torch


class _SumBlockDiagonals(torch.autograd.Function):
    @staticmethod
    def forward(ctx, total: int, sizes: Sequence[int], *products: torch.Tensor) -> torch.Tensor:
        g = products[0].shape[0]
        out = products[0].new_zeros(g, total, total)
        for m, p in zip(sizes, products):
            n = total // m
            # (G, n, m, n, m) at its n diagonal blocks is (G, m, m, n).
            out.view(g, n, m, n, m).diagonal(dim1=1, dim2=3).add_(p.permute(0, 2, 3, 1))
        ctx.total, ctx.sizes = total, list(sizes)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        g, t = grad.shape[0], ctx.total
        blocks = [grad.reshape(g, t // m, m, t // m, m).diagonal(dim1=1, dim2=3).permute(0, 3, 1, 2) for m in ctx.sizes]
        return (None, None, *blocks)


def sum_block_diagonals(sizes: Sequence[int], products: List[torch.Tensor], total: int) -> torch.Tensor:
    """Σ_l BlockDiag(products[l]) as (G, total, total), for products[l] of shape (G, total/sizes[l], m_l, m_l)."""
    return _SumBlockDiagonals.apply(total, list(sizes), *products)
