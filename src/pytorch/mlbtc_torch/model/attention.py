"""
Every attention family of src/engine/model/attention, one head group each, with the same parameter names, shapes,
creation order and math. A head group computes scores S (B, heads, T, T) of x (B, T, D), the block's ln_1 output,
with every scale (and MLR's coverage weights) applied but no mask; its weights P are the masked row softmax
(global-local: the sum of two). The AttentionLayer owns W_V and W_O, applies each group's weights to its slice of the
value heads and concatenates heads in head order.

The fast path (fast=True) changes how, never what: dense, sliding-window and global-local attention run through a
fused kernel (fused_attention) instead of a masked T×T softmax.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import List, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..spec import bilinear_mlr_scale, bilinear_scale, dense_scale
from .block_diagonal import sum_block_diagonals
from .masks import MaskCache
from ..types import NamedParam
from .params import ParamFactory

LN_EPS = 1e-5


def layer_norm(x: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
    """LayerNorm over the last axis without bias (the reference's bias=False), epsilon 1e-5."""
    return F.layer_norm(x, (x.shape[-1],), gain, None, LN_EPS)


def maybe_layer_norm(x: torch.Tensor, gain) -> torch.Tensor:
    return x if gain is None else layer_norm(x, gain)


def rms_clamp(w: torch.Tensor, d_in: int, d_out: int) -> torch.Tensor:
    """W / max(1, RMS(W)/ρ), ρ = √min(d_in, d_out)/d_in, RMS over the whole tensor with 1e-8 inside the root (§2.4)."""
    rho = min(d_in, d_out) ** 0.5 / d_in
    rms = torch.sqrt(torch.mean(torch.square(w)) + 1e-8)
    return w / torch.clamp(rms / rho, min=1)


def split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """(B, T, H·d) → (B, H, T, d)."""
    b, t, hd = x.shape
    return x.reshape(b, t, heads, hd // heads).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, H, T, d) → (B, T, H·d)."""
    b, h, t, d = x.shape
    return x.transpose(1, 2).reshape(b, t, h * d)


def masked_softmax(scores: torch.Tensor, mask_bias: torch.Tensor) -> torch.Tensor:
    return torch.softmax(scores + mask_bias, dim=-1)


class HeadGroup(nn.Module, ABC):
    """What every family implements for one head group."""

    heads: int
    fast = False

    @abstractmethod
    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """Scores (B, heads, T, T) with every scale applied, unmasked."""

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        return masked_softmax(self.scores(x), self.mask)

    def attend(self, x: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """The group's output heads (B, heads, T, headDim): weights · values."""
        return self.weights(x) @ values


class QueryKeyHeadGroup(HeadGroup):
    """The per-head W_Q, W_K (D, heads·dim) of dense, sliding-window, global-local and mlr, QK-normed per head with
    gains shared across the group's heads (§2.2) (src/engine/model/attention/queryKey.ts)."""

    def __init__(self, params: ParamFactory, prefix: str, width: int, heads: int, dim: int, qk_norm: bool):
        super().__init__()
        self.heads = heads
        self.wq = params.matrix(f"{prefix}.wq", [width, heads * dim], width)
        self.wk = params.matrix(f"{prefix}.wk", [width, heads * dim], width)
        self.ln_q = params.gain(f"{prefix}.ln_q", dim) if qk_norm else None
        self.ln_k = params.gain(f"{prefix}.ln_k", dim) if qk_norm else None

    def project(self, x: torch.Tensor):
        """Queries and keys (B, heads, T, dim), QK-normed when enabled."""
        q = maybe_layer_norm(split_heads(x @ self.wq, self.heads), self.ln_q)
        k = maybe_layer_norm(split_heads(x @ self.wk, self.heads), self.ln_k)
        return q, k


class DotProductAttention(QueryKeyHeadGroup):
    """Dense (§3.1) and sliding-window (§3.5) attention: S = κ·q·kᵀ under a causal or causal-window mask."""

    def __init__(self, params, prefix, model, heads, dim: int, scale: float, qk_norm: bool, masks: MaskCache, window: int):
        super().__init__(params, prefix, model["width"], heads, dim, qk_norm)
        self.scale = scale
        self.window = window  # −1: causal only
        self.masks = masks
        self.register_buffer("mask", masks.causal() if window < 0 else masks.window(window), persistent=False)

    def scores(self, x):
        q, k = self.project(x)
        return (q * self.scale) @ k.transpose(-1, -2)

    def attend(self, x, values):
        if not self.fast:
            return super().attend(x, values)
        q, k = self.project(x)
        return fused_attention(q, k, values, self.mask, self.masks, self.window, self.scale)


class GlobalLocalAttention(QueryKeyHeadGroup):
    """GSWA (§3.5): the first a features scored globally (8/a, causal), the last b locally (8/b, window); the two row
    softmaxes are added without renormalisation (rows sum to 2, as in the reference)."""

    def __init__(self, params, prefix, model, heads, a: dict, masks: MaskCache):
        super().__init__(params, prefix, model["width"], heads, a["split"][0] + a["split"][1], a["qkNorm"])
        self.split = list(a["split"])
        self.window = a["window"]
        self.masks = masks
        self.register_buffer("causal", masks.causal(), persistent=False)
        self.register_buffer("local", masks.window(self.window), persistent=False)

    def parts(self, x):
        a, b = self.split
        q, k = self.project(x)
        q_global, q_local = torch.split(q, [a, b], dim=-1)
        k_global, k_local = torch.split(k, [a, b], dim=-1)
        return q_global, k_global, q_local, k_local

    def scores(self, x):
        a, b = self.split
        qg, kg, ql, kl = self.parts(x)
        return (qg * (8 / a)) @ kg.transpose(-1, -2) + (ql * (8 / b)) @ kl.transpose(-1, -2)

    def weights(self, x):
        a, b = self.split
        qg, kg, ql, kl = self.parts(x)
        return masked_softmax((qg * (8 / a)) @ kg.transpose(-1, -2), self.causal) + masked_softmax(
            (ql * (8 / b)) @ kl.transpose(-1, -2), self.local
        )

    def attend(self, x, values):
        if not self.fast:
            return super().attend(x, values)
        a, b = self.split
        qg, kg, ql, kl = self.parts(x)
        return fused_attention(qg, kg, values, self.causal, self.masks, -1, 8 / a) + fused_attention(
            ql, kl, values, self.local, self.masks, self.window, 8 / b
        )


class MlrAttention(QueryKeyHeadGroup):
    """Multi-Level Low-Rank attention over the sequence (§3.4): per head, q and k (headDim features, QK-normed first)
    split into chunks r_0, r_1, …; level l adds q_i^(l)·k_j^(l)/r_l where i and j share a block of T_l positions:

        S_h = ω ⊙ Σ_l BlockDiag_{T_l}(Q_l K_lᵀ)/r_l,   ω = 1, 1/L ("levels") or 1/c(i,j) ("coverage").

    Each level's block products are one batched product over (B·H·T/T_l) blocks, summed (and weighted by ω) into the
    T×T scores without a T×T matrix per level (block_diagonal.py)."""

    def __init__(self, params, prefix, model, heads, a: dict, masks: MaskCache):
        super().__init__(params, prefix, model["width"], heads, model["headDim"], a["qkNorm"])
        self.ranks = list(a["ranks"])
        self.block_sizes = [int(s) for s in a["blockSizes"]]
        self.level_factor = 1 / len(self.ranks) if a["normalize"] == "levels" else 1.0
        self.register_buffer("mask", masks.causal(), persistent=False)
        self.register_buffer(
            "coverage", masks.coverage(self.block_sizes) if a["normalize"] == "coverage" else None, persistent=False
        )

    def scores(self, x):
        q, k = self.project(x)
        b, h, t, _ = q.shape
        products = [
            # (B, H, T, r) → (B·H, T/T_l, T_l, r): the sequence axis splits into contiguous blocks without moving data.
            (ql * (self.level_factor / r)).reshape(b * h, t // size, size, r) @ kl.reshape(b * h, t // size, size, r).transpose(-1, -2)
            for ql, kl, r, size in zip(torch.split(q, self.ranks, -1), torch.split(k, self.ranks, -1), self.ranks, self.block_sizes)
        ]
        return sum_block_diagonals(self.block_sizes, products, t, self.coverage).reshape(b, h, t, t)


class BilinearMlrAttention(HeadGroup):
    """Bilinear MLR (§3.3): level l has p_l = 2^l blocks of m_l = D/p_l features, each projected by W^l[k]
    (m_l × heads·r_l) for queries and keys; a head's level features are r_l·p_l wide in the order ρ·p_l + k, LayerNormed
    per level, and S_h = Σ_l κ_l · LN_q(q_l)·LN_k(k_l), κ_l = 1/√(r_l p_l) or 8/(r_l p_l), optionally ×1/L."""

    def __init__(self, params, prefix, model, heads, a: dict, masks: MaskCache):
        super().__init__()
        self.heads = heads
        self.weight_clamp = a["weightClamp"]
        self.register_buffer("mask", masks.causal(), persistent=False)
        level_factor = 1 / len(a["ranks"]) if a["normalize"] == "levels" else 1.0
        self.levels = nn.ModuleList()
        for l, rank in enumerate(a["ranks"]):
            blocks = 2**l
            m = model["width"] // blocks
            name = f"{prefix}.levels.{l}"
            level = nn.Module()
            level.rank, level.blocks = rank, blocks
            level.scale = bilinear_mlr_scale(a["logitScale"], rank, blocks) * level_factor
            level.wq = params.matrix(f"{name}.wq", [blocks, m, heads * rank], m)
            level.wk = params.matrix(f"{name}.wk", [blocks, m, heads * rank], m)
            level.ln_q = params.gain(f"{name}.ln_q", rank * blocks) if a["qkNorm"] else None
            level.ln_k = params.gain(f"{name}.ln_k", rank * blocks) if a["qkNorm"] else None
            self.levels.append(level)

    def project(self, x, level, w):
        """One level's per-head features (B, heads, T, r·p) in the order ρ·p + k."""
        b, t, d = x.shape
        rank, blocks, heads = level.rank, level.blocks, self.heads
        weight = rms_clamp(w, d // blocks, heads * rank) if self.weight_clamp else w
        chunks = x.reshape(b * t, blocks, d // blocks).transpose(0, 1)  # (p, BT, m)
        projected = chunks @ weight  # (p, BT, heads·r)
        per_head = projected.reshape(blocks, b * t, heads, rank).permute(1, 2, 3, 0)  # (BT, heads, r, p)
        return per_head.reshape(b, t, heads, rank * blocks).transpose(1, 2)

    def scores(self, x):
        qs = [maybe_layer_norm(self.project(x, lv, lv.wq), lv.ln_q) * lv.scale for lv in self.levels]
        ks = [maybe_layer_norm(self.project(x, lv, lv.wk), lv.ln_k) for lv in self.levels]
        return torch.cat(qs, -1) @ torch.cat(ks, -1).transpose(-1, -2)


def apply_block_tensor(x: torch.Tensor, left, right, shape: dict) -> torch.Tensor:
    """W_h x_n for every head without forming W_h: x (N, D) → (N, heads, D), the reference contraction order
    (src/engine/model/attention/blockTensor.ts documents the core layouts)."""
    p, h, (a, b), (c, d), s = shape["blocks"], shape["heads"], shape["out"], shape["in"], shape["rank"]
    n, width = x.shape
    u = x.reshape(n, p * c, d).transpose(0, 1) @ left  # (p·c, N, h·b·s)
    regrouped = u.reshape(p, c, n, h * b, s).permute(0, 3, 1, 4, 2)  # (p, h·b, c, s, N)
    v = right @ regrouped.reshape(p * h * b, c * s, n)  # (p·h·b, a, N)
    return v.reshape(p, h, b, a, n).permute(4, 1, 0, 3, 2).reshape(n, h, width)


def apply_kronecker(x: torch.Tensor, kron_a, kron_b, shape: dict) -> torch.Tensor:
    """(A ⊗ B) x_n per block and head, as A·X·Bᵀ: x (N, D) → (N, heads, D)."""
    p, h, (a, b), (c, d) = shape["blocks"], shape["heads"], shape["out"], shape["in"]
    n, width = x.shape
    xb = x.reshape(n, p, c * d).transpose(0, 1).reshape(p, n * c, d)
    y = (xb @ kron_b).reshape(p, n, c, h, b).permute(0, 3, 2, 1, 4)  # (p, h, c, N, b)
    z = kron_a @ y.reshape(p * h, c, n * b)  # (p·h, a, N·b)
    return z.reshape(p, h, a, n, b).permute(3, 1, 0, 2, 4).reshape(n, h, width)


def block_tensor_cores(shape: dict):
    p, h, (a, b), (c, d), s = shape["blocks"], shape["heads"], shape["out"], shape["in"], shape["rank"]
    return [p * c, d, h * b * s], [p * h * b, a, c * s]


def kronecker_cores(shape: dict):
    p, h, (a, b), (c, d) = shape["blocks"], shape["heads"], shape["out"], shape["in"]
    return [p * h, a, c], [p, d, h * b]


def key_side_scores(x: torch.Tensor, keys: torch.Tensor, scale: float) -> torch.Tensor:
    """S_h[i,j] = scale · x_i · z_{h,j} for x (B, T, D) and transformed keys (B·T, heads, D) → (B, heads, T, T)."""
    b, t, d = x.shape
    z = keys.reshape(b, t, keys.shape[1], d).transpose(1, 2)
    return (x * scale).unsqueeze(1) @ z.transpose(-1, -2)


class BilinearBttAttention(HeadGroup):
    """Bilinear BTT (§3.2): S_h[i,j] = κ · x_iᵀ · LN(W_h x_j) with W_h a D×D BTT matrix on the key side, κ = 1/√D or
    1/D; cores wk (c, d, H·b·s) ~ N(0, 1/d), wq (H·b, a, c·s) ~ N(0, 1/(c·s)); optional RMS clamp."""

    def __init__(self, params, prefix, model, heads, a: dict, masks: MaskCache):
        super().__init__()
        fa, fb = a["factors"]
        self.heads = heads
        self.weight_clamp = a["weightClamp"]
        self.shape = {"blocks": 1, "heads": heads, "out": (fa, fb), "in": (fa, fb), "rank": a["rank"]}
        left, right = block_tensor_cores(self.shape)
        self.wk = params.matrix(f"{prefix}.wk", left, fb)
        self.wq = params.matrix(f"{prefix}.wq", right, fa * a["rank"])
        self.ln_keys = params.gain(f"{prefix}.ln_keys", model["width"]) if a["qkNorm"] else None
        self.scale = bilinear_scale(a["logitScale"], model["width"])
        self.register_buffer("mask", masks.causal(), persistent=False)

    def scores(self, x):
        b, t, d = x.shape
        fa, fb = self.shape["out"]
        rank = self.shape["rank"]
        wk = rms_clamp(self.wk, fb, self.heads * fb * rank) if self.weight_clamp else self.wk
        wq = rms_clamp(self.wq, fa * rank, fa) if self.weight_clamp else self.wq
        keys = apply_block_tensor(x.reshape(b * t, d), wk, wq, self.shape)
        return key_side_scores(x, maybe_layer_norm(keys, self.ln_keys), self.scale)


class MlbtcAttention(HeadGroup):
    """MLBTC (§3.6), scored like Bilinear BTT with W_h = Σ_l BlockDiag_{k<p_l}(B_{l,k,h}), each block a two-core
    contraction (left ~ N(0, 1/d), right ~ N(0, 1/(c·s))) or a Kronecker product A ⊗ B (A ~ N(0, 1/c), B ~ N(0, 1/d))."""

    def __init__(self, params, prefix, model, heads, a: dict, masks: MaskCache):
        super().__init__()
        self.heads = heads
        self.levels = nn.ModuleList()
        for l, spec in enumerate(a["levels"]):
            shape = {"blocks": spec["blocks"], "heads": heads, "out": tuple(spec["out"]), "in": tuple(spec["in"]), "rank": spec["rank"]}
            c, d = shape["in"]
            name = f"{prefix}.levels.{l}"
            level = nn.Module()
            level.shape, level.kronecker = shape, bool(spec["kronecker"])
            if level.kronecker:
                cores = kronecker_cores(shape)
                level.kron_a = params.matrix(f"{name}.kron_a", cores[0], c)
                level.kron_b = params.matrix(f"{name}.kron_b", cores[1], d)
            else:
                cores = block_tensor_cores(shape)
                level.left = params.matrix(f"{name}.left", cores[0], d)
                level.right = params.matrix(f"{name}.right", cores[1], c * spec["rank"])
            self.levels.append(level)
        self.ln_keys = params.gain(f"{prefix}.ln_keys", model["width"]) if a["qkNorm"] else None
        self.scale = bilinear_scale(a["logitScale"], model["width"])
        self.register_buffer("mask", masks.causal(), persistent=False)

    def scores(self, x):
        b, t, d = x.shape
        flat = x.reshape(b * t, d)
        keys = None
        for lv in self.levels:
            z = (
                apply_kronecker(flat, lv.kron_a, lv.kron_b, lv.shape)
                if lv.kronecker
                else apply_block_tensor(flat, lv.left, lv.right, lv.shape)
            )
            keys = z if keys is None else keys + z
        return key_side_scores(x, maybe_layer_norm(keys, self.ln_keys), self.scale)


def create_head_group(params: ParamFactory, prefix: str, model: dict, heads: int, a: dict, masks: MaskCache) -> HeadGroup:
    kind = a["kind"]
    if kind == "dense":
        scale = dense_scale(a["logitScale"], a["qkDim"])
        return DotProductAttention(params, prefix, model, heads, a["qkDim"], scale, a["qkNorm"], masks, -1)
    if kind == "sliding-window":
        dim = model["headDim"]
        scale = dense_scale(a["logitScale"], dim)
        return DotProductAttention(params, prefix, model, heads, dim, scale, a["qkNorm"], masks, a["window"])
    families = {
        "global-local": GlobalLocalAttention,
        "mlr": MlrAttention,
        "bilinear-mlr": BilinearMlrAttention,
        "bilinear-btt": BilinearBttAttention,
        "mlbtc": MlbtcAttention,
    }
    if kind not in families:
        known = ", ".join(["dense", "sliding-window", *families])
        raise ValueError(f'{prefix}: attention kind "{kind}" is not one this runtime builds ({known}).')
    return families[kind](params, prefix, model, heads, a, masks)


class AttentionLayer(nn.Module):
    """One module per head group (attributes g0, g1, …), then W_V and W_O (D×D, shared by the groups; W_O zero)."""

    def __init__(self, params: ParamFactory, prefix: str, model: dict, groups: Sequence[dict], masks: MaskCache):
        super().__init__()
        first = len(params.params)
        self.heads = model["heads"]
        self.group_heads: List[int] = [g["heads"] for g in groups]
        for i, g in enumerate(groups):
            self.add_module(f"g{i}", create_head_group(params, f"{prefix}.g{i}", model, g["heads"], g["attention"], masks))
        self.wv = params.matrix(f"{prefix}.wv", [model["width"], model["width"]], model["width"])
        self.wo = params.zero_matrix(f"{prefix}.wo", [model["width"], model["width"]], model["width"])
        self._named = params.params[first:]

    def named_params(self) -> List[NamedParam]:
        """This layer's parameters with checkpoint keys, µP lr scales and decay flags, in creation order."""
        return list(self._named)

    @property
    def groups(self) -> List[HeadGroup]:
        return [getattr(self, f"g{i}") for i in range(len(self.group_heads))]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T, D), the block's ln_1 output → attention output (B, T, D)."""
        values = torch.split(split_heads(x @ self.wv, self.heads), self.group_heads, dim=1)
        heads = torch.cat([g.attend(x, v) for g, v in zip(self.groups, values)], dim=1)
        return merge_heads(heads) @ self.wo

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """Pre-softmax scores of every head (B, H, T, T), groups in head order."""
        groups = self.groups
        # One group's scores are already the layer's: a cat would copy the B·H·T·T tensor (15 ms at T 1024).
        return groups[0].scores(x) if len(groups) == 1 else torch.cat([g.scores(x) for g in groups], dim=1)


def fused_attention(q, k, v, mask_bias, masks: MaskCache, window: int, scale: float) -> torch.Tensor:
    """softmax(scale·q·kᵀ + mask)·v without materialising the weights where a fused kernel exists: flex_attention with
    a block mask on CUDA (torch ≥ 2.5); scaled_dot_product_attention with the additive mask elsewhere (flex_attention
    has no backward on CPU, checked on torch 2.13)."""
    if q.is_cuda:
        from torch.nn.attention.flex_attention import flex_attention

        return flex_attention(q, k, v, block_mask=masks.block_mask(window, q.device), scale=scale)
    # The mask in the queries' dtype: under bf16 autocast SDPA refuses a float32 mask.
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask_bias.to(q.dtype), scale=scale)
