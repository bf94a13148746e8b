#!/usr/bin/env python3
"""
An independent PyTorch implementation of the transformers MLBTC Studio trains, written from the math
(docs/math.md §2-3), not from our TypeScript, used by bench/train.bench.ts to time the same model and training
step. Pre-LN blocks without biases, QK LayerNorm, exact GELU MLP, learned positions, untied head; AdamW
(0.9, 0.95) with global gradient-norm clipping; float32; one thread (tfjs's wasm backend runs on one).

Scoring families:
  dense         S = k * LN(q) LN(k)^T                                    (§3.1)
  mlr           S = w(i,j) * sum_l BlockDiag_{T_l}(q_l k_l^T) / r_l       (§3.4), block products added in place
  bilinear-mlr  S = sum_l k_l * LN_l(q_l) LN_l(k_l)^T, block-diagonal feature projections  (§3.3), RMS clamp
  bilinear-btt  S = k * X . LN(W_h X)^T with two-core BTT W_h in the reference contraction order  (§3.2), RMS clamp

Usage: python3 torch_reference.py '<json config>'   ->   prints one JSON line of timings.
Config: {"mode": "train"|"scores", "task": "icl"|"lm", "family", "width", "heads", "layers", "seqLen", "batch",
         "inputDim" | "vocab", "ranks", "blockSizes", "normalize", "rank", "steps", "warmup",
         "device" (default "cpu"), "precision" ("fp32" | "bf16" autocast), "threads" (CPU threads, default 1),
         "mlrStyle" ("in-place": block products added onto one T x T; "per-level": the reference code's way, one
         T x T matrix per level with the blocks scattered into it, then summed: the baseline of bench/gpu.py)}
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def layer_norm(x, gain):
    return F.layer_norm(x, (x.shape[-1],), gain, None, 1e-5)


def rms_clamp(w, d_in, d_out):
    """Forward-time weight clamp of §2.4: W / max(1, RMS(W)/rho), rho = sqrt(min(d_in, d_out))/d_in."""
    rho = math.sqrt(min(d_in, d_out)) / d_in
    rms = torch.sqrt(torch.mean(w * w) + 1e-8)
    return w / torch.clamp(rms / rho, min=1.0)


def factorize(d):
    """Smallest divisor of d strictly above sqrt(d) as b, a = d/b (§3.2)."""
    b = math.isqrt(d) + 1
    while d % b:
        b += 1
    return d // b, b


class QueryKey(nn.Module):
    """Per-head q and k (B, H, T, r) with LayerNorm gains shared across heads."""

    def __init__(self, D, H):
        super().__init__()
        self.H, self.r = H, D // H
        self.wq = nn.Parameter(torch.randn(D, D) / math.sqrt(D))
        self.wk = nn.Parameter(torch.randn(D, D) / math.sqrt(D))
        self.gq = nn.Parameter(torch.ones(self.r))
        self.gk = nn.Parameter(torch.ones(self.r))

    def forward(self, x):
        B, T, _ = x.shape
        q = (x @ self.wq).view(B, T, self.H, self.r).transpose(1, 2)
        k = (x @ self.wk).view(B, T, self.H, self.r).transpose(1, 2)
        return layer_norm(q, self.gq), layer_norm(k, self.gk)


class DenseScores(nn.Module):
    def __init__(self, D, H, cfg):
        super().__init__()
        self.qk = QueryKey(D, H)
        self.scale = 1 / math.sqrt(D // H)

    def forward(self, x):
        q, k = self.qk(x)
        return q @ k.transpose(-1, -2) * self.scale


class MlrScores(nn.Module):
    def __init__(self, D, H, cfg):
        super().__init__()
        self.qk = QueryKey(D, H)
        T = cfg["seqLen"]
        self.ranks = cfg["ranks"]
        self.blocks = cfg.get("blockSizes") or [T // 2**l for l in range(len(self.ranks))]
        if cfg.get("normalize") == "coverage":
            i = torch.arange(T)
            count = sum((i[:, None] // t == i[None, :] // t).float() for t in self.blocks)
            self.register_buffer("omega", 1 / count.clamp(min=1))
        else:
            self.omega = None
        self.style = cfg.get("mlrStyle", "in-place")

    def per_level(self, q, k):
        """As the reference code does it: each level's block products scattered into a T x T matrix of its own."""
        B, H, T, _ = q.shape
        levels, start = [], 0
        for r, t in zip(self.ranks, self.blocks):
            n = T // t
            ql = q[..., start:start + r].reshape(B, H, n, t, r)
            kl = k[..., start:start + r].reshape(B, H, n, t, r)
            blocks = ql @ kl.transpose(-1, -2) / r
            level = torch.zeros(B, H, T, T, device=q.device, dtype=blocks.dtype)
            for b in range(n):
                level[..., b * t:(b + 1) * t, b * t:(b + 1) * t] = blocks[:, :, b]
            levels.append(level)
            start += r
        S = torch.stack(levels).sum(0)
        return S * self.omega if self.omega is not None else S

    def forward(self, x):
        q, k = self.qk(x)
        B, H, T, _ = q.shape
        if self.style == "per-level":
            return self.per_level(q, k)
        S = torch.zeros(B, H, T, T, device=q.device, dtype=q.dtype)
        start = 0
        for r, t in zip(self.ranks, self.blocks):
            n = T // t
            ql = q[..., start:start + r].reshape(B, H, n, t, r)
            kl = k[..., start:start + r].reshape(B, H, n, t, r)
            blocks = ql @ kl.transpose(-1, -2) / r  # (B, H, n, t, t)
            # The n diagonal (t, t) blocks of S as a strided view (B, H, t, t, n): add in place, no T x T per level.
            S.view(B, H, n, t, n, t).diagonal(0, 2, 4).add_(blocks.permute(0, 1, 3, 4, 2))
            start += r
        return S * self.omega if self.omega is not None else S


class BilinearMlrScores(nn.Module):
    def __init__(self, D, H, cfg):
        super().__init__()
        self.D, self.H, self.ranks = D, H, cfg["ranks"]
        self.wq, self.wk, self.gq, self.gk = (nn.ParameterList() for _ in range(4))
        for l, r in enumerate(self.ranks):
            p = 2**l
            self.wq.append(nn.Parameter(torch.randn(p, D // p, H * r) * math.sqrt(p / D)))
            self.wk.append(nn.Parameter(torch.randn(p, D // p, H * r) * math.sqrt(p / D)))
            self.gq.append(nn.Parameter(torch.ones(r * p)))
            self.gk.append(nn.Parameter(torch.ones(r * p)))

    def project(self, x, w, l, r):
        B, T, D = x.shape
        p = 2**l
        w = rms_clamp(w, D // p, self.H * r)
        chunks = x.reshape(B * T, p, D // p).transpose(0, 1)  # (p, BT, D/p)
        y = torch.bmm(chunks, w).view(p, B, T, self.H, r)  # (p, B, T, H, r)
        return y.permute(1, 3, 2, 4, 0).reshape(B, self.H, T, r * p)  # feature order rho*p + k

    def forward(self, x):
        S = 0
        for l, r in enumerate(self.ranks):
            q = layer_norm(self.project(x, self.wq[l], l, r), self.gq[l])
            k = layer_norm(self.project(x, self.wk[l], l, r), self.gk[l])
            S = S + q @ k.transpose(-1, -2) / math.sqrt(r * 2**l)
        return S


class BilinearBttScores(nn.Module):
    def __init__(self, D, H, cfg):
        super().__init__()
        self.D, self.H, self.s = D, H, cfg.get("rank", 1)
        self.a, self.b = factorize(D)
        self.c, self.d = self.a, self.b
        self.wk = nn.Parameter(torch.randn(self.c, self.d, H * self.b * self.s) / math.sqrt(self.d))
        self.wq = nn.Parameter(torch.randn(H * self.b, self.a, self.c * self.s) / math.sqrt(self.c * self.s))
        self.g = nn.Parameter(torch.ones(D))

    def forward(self, x):
        B, T, D = x.shape
        H, a, b, c, d, s = self.H, self.a, self.b, self.c, self.d, self.s
        wk = rms_clamp(self.wk, d, H * b * s)
        wq = rms_clamp(self.wq, c * s, a)
        u = torch.bmm(x.reshape(B * T, c, d).transpose(0, 1), wk)  # (c, BT, H b s)
        u = u.view(c, B * T, H * b, s).permute(2, 0, 3, 1).reshape(H * b, c * s, B * T)
        v = torch.bmm(wq, u)  # (H b, a, BT)
        z = v.view(H, b, a, B, T).permute(3, 0, 4, 2, 1).reshape(B, H, T, D)  # feature alpha*b + beta
        z = layer_norm(z, self.g)
        return x.unsqueeze(1) @ z.transpose(-1, -2) / math.sqrt(D)


FAMILIES = {"dense": DenseScores, "mlr": MlrScores, "bilinear-mlr": BilinearMlrScores, "bilinear-btt": BilinearBttScores}


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        D, H = cfg["width"], cfg["heads"]
        self.H = H
        self.scores = FAMILIES[cfg["family"]](D, H, cfg)
        self.wv = nn.Parameter(torch.randn(D, D) / math.sqrt(D))
        self.wo = nn.Parameter(torch.zeros(D, D))
        self.fc = nn.Parameter(torch.randn(D, 4 * D) / math.sqrt(D))
        self.proj = nn.Parameter(torch.zeros(4 * D, D))
        self.ln1, self.ln2 = nn.Parameter(torch.ones(D)), nn.Parameter(torch.ones(D))
        T = cfg["seqLen"]
        self.register_buffer("mask", torch.ones(T, T).tril() == 0)

    def forward(self, x):
        B, T, D = x.shape
        h = layer_norm(x, self.ln1)
        S = self.scores(h).masked_fill(self.mask, float("-inf"))
        v = (h @ self.wv).view(B, T, self.H, D // self.H).transpose(1, 2)
        y = (torch.softmax(S, -1) @ v).transpose(1, 2).reshape(B, T, D)
        x = x + y @ self.wo
        return x + F.gelu(layer_norm(x, self.ln2) @ self.fc) @ self.proj


class Model(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        D, T = cfg["width"], cfg["seqLen"]
        self.task = cfg["task"]
        n_in = cfg["inputDim"] if self.task == "icl" else cfg["vocab"]
        self.read_in = nn.Parameter(torch.randn(n_in, D) * 0.02)
        self.pos = nn.Parameter(torch.randn(T, D) * 0.02)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg["layers"]))
        self.ln_f = nn.Parameter(torch.ones(D))
        self.head = nn.Parameter(torch.zeros(D, 1 if self.task == "icl" else cfg["vocab"]))

    def forward(self, inputs, targets):
        x = (inputs @ self.read_in if self.task == "icl" else F.embedding(inputs, self.read_in)) + self.pos
        for block in self.blocks:
            x = block(x)
        out = layer_norm(x, self.ln_f) @ self.head
        if self.task == "icl":
            return F.mse_loss(out[:, 0::2, 0], targets)  # predictions at the x positions
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), targets.reshape(-1))


def batch(cfg):
    B, T, device = cfg["batch"], cfg["seqLen"], cfg.get("device", "cpu")
    if cfg["task"] == "icl":
        return torch.randn(B, T, cfg["inputDim"], device=device), torch.randn(B, T // 2, device=device)
    ids = torch.randint(0, cfg["vocab"], (B, T + 1), device=device)
    return ids[:, :-1], ids[:, 1:]


def autocast(cfg):
    """bf16 autocast when asked for (weights and optimiser state stay float32, as the reference's LM runs)."""
    if cfg.get("precision", "fp32") == "bf16":
        return torch.autocast(torch.device(cfg.get("device", "cpu")).type, dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


def time_train(cfg):
    model = Model(cfg).to(cfg.get("device", "cpu"))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0)

    def step():
        inputs, targets = batch(cfg)
        with autocast(cfg):
            loss = model(inputs, targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(cfg.get("warmup", 2)):
        step()
    return {**measure(step, cfg.get("steps", 5)), "params": sum(p.numel() for p in model.parameters())}


def measure(run, n):
    """Mean CPU time and wall time of `run` in ms (CPU time is what a shared machine distorts least; on a GPU, the
    wall time after the device finished is what counts)."""
    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    sync()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        run()
    sync()
    return {"cpuMs": (time.process_time() - cpu0) * 1000 / n, "wallMs": (time.perf_counter() - wall0) * 1000 / n}


def time_scores(cfg):
    """Forward time of one layer's scoring function on (B, T, D) inputs."""
    device = cfg.get("device", "cpu")
    scores = FAMILIES[cfg["family"]](cfg["width"], cfg["heads"], cfg).to(device)
    x = torch.randn(cfg["batch"], cfg["seqLen"], cfg["width"], device=device)
    with torch.no_grad(), autocast(cfg):
        for _ in range(cfg.get("warmup", 2)):
            scores(x)
        return measure(lambda: scores(x), cfg.get("steps", 5))


if __name__ == "__main__":
    config = json.loads(sys.argv[1])
    torch.set_num_threads(config.get("threads", 1))
    result = time_train(config) if config.get("mode", "train") == "train" else time_scores(config)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), **result}))
