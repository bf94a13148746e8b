/**
 * The canonical per-head weight layout of every attention family: names, shapes and index conventions.
 *
 * This is a contract. The engine's correctness tests copy one head's slice of their tfjs variables into this layout
 * and compare their logits with `logits()` from ./scoring; analysis tests draw random instances of it. Changing a
 * name, a shape or an index order here breaks them, so extend, never reorder.
 *
 * Every tensor is float64, row-major (the last index varies fastest), `shape` as listed. Symbols: D = model.width,
 * r = model.headDim, T = model.seqLen, x ∈ R^D one token (the block's ln_1 output), § numbers from docs/math.md.
 *
 * dense, sliding-window (§3.1, §3.5)
 *   wq [qkDim, D], wk [qkDim, D]   rows h·qkDim … (h+1)·qkDim − 1 of the (out, in) Linear weights W_Q, W_K:
 *                                  q = wq·x, k = wk·x. sliding-window has qkDim = r.
 * global-local (§3.5)
 *   wq [a+b, D], wk [a+b, D]       as dense with qkDim = a + b; rows 0 … a−1 are the global part, rows a … a+b−1
 *                                  the windowed part (the reference splits the head dimension after projecting).
 * mlr (§3.4): a sequence family, so the weights of its T×T matrix are the head's projected queries and keys
 *   q [T, r], k [T, r]             row t = token t's query/key; columns split into contiguous level chunks of widths
 *                                  r_0, r_1, … (level 0 = the first r_0 columns).
 *   `logits()` instead takes what the module holds, the projections (see `logitWeightShapes`):
 *   wq [r, D], wk [r, D]           as dense, so q = X·wqᵀ and k = X·wkᵀ.
 * bilinear-mlr (§3.3), per level l with p = 2^l blocks of width m = D/p
 *   wq.<l> [p, m, r_l], wk.<l> [p, m, r_l]
 *                                  the head's slice W^l[k][:, h·r_l … (h+1)·r_l − 1] of the reference's
 *                                  (p, D/p, H·r_l) tensors: block k maps x[k·m … (k+1)·m − 1] to r_l features.
 * bilinear-btt (§3.2), factors [a, b] on both sides (a = c, b = d), rank s
 *   wq [b, a, a·s]                 = Q[h·b + β, α, γ·s + σ]  (the head's b slices of Q (H·b, a, c·s))
 *   wk [a, b, b·s]                 = K[γ, δ, (h·b + β)·s + σ] (columns h·b·s … (h+1)·b·s − 1 of K (c, d, H·b·s))
 *                                  W_h[(α,β),(γ,δ)] = Σ_σ wq[β, α, γ·s+σ]·wk[γ, δ, β·s+σ], output feature α·b+β,
 *                                  input feature γ·d+δ.
 * mlbtc (§3.6), per level l with p blocks of size m = D/p, out [a, b], in [c, d], rank s
 *   R.<l> [p, a, b, c, s], L.<l> [p, s, b, c, d]
 *                                  block k: B[(α,β),(γ,δ)] = Σ_σ R[k,α,β,γ,σ]·L[k,σ,β,γ,δ], output feature
 *                                  k·m + α·b + β, input feature k·m + γ·d + δ (the same convention as BTT, so the
 *                                  btt preset reproduces bilinear-btt with R[0,α,β,γ,σ] = wq[β,α,γ·s+σ] and
 *                                  L[0,σ,β,γ,δ] = wk[γ,δ,β·s+σ]).
 *   Kronecker levels (tied cores, rank 1) instead hold
 *   A.<l> [p, a, c], B.<l> [p, b, d]   block k = A[k] ⊗ B[k]: B[(α,β),(γ,δ)] = A[k,α,γ]·B[k,β,δ].
 *
 * Random instances (`randomWeights`) use the µP initialisation scales of §2.4 (std 1/√fan_in), so logits are O(1);
 * mlr's q, k are standard normal. Any generic draw serves the rank checks.
 */
import type { Rng } from '../random';
import type { ResolvedAttention, ResolvedMlbtcLevel, ResolvedModel } from '../spec/resolve';

/** A dense float64 tensor, row-major. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** One head's weights, keyed by the names above. */
export type HeadWeights = Record<string, Tensor>;

/** Weight name → shape. */
export type WeightShapes = Record<string, number[]>;

/** Name of a per-level tensor, e.g. levelWeight('R', 0) = "R.0". */
export function levelWeight(base: string, level: number): string {
  return `${base}.${level}`;
}

/** Block size m, out [a, b], in [c, d] and rank s of one mlbtc level at width D. */
export function mlbtcBlock(level: ResolvedMlbtcLevel, width: number): { m: number; a: number; b: number; c: number; d: number; s: number } {
  const [a, b] = level.out;
  const [c, d] = level.in;
  return { m: width / level.blocks, a, b, c, d, s: level.rank };
}

interface ShapeWithScale {
  shape: number[];
  /** Standard deviation of a random instance (µP init, §2.4). */
  std: number;
}

function layout(attention: ResolvedAttention, model: ResolvedModel): Record<string, ShapeWithScale> {
  const D = model.width;
  const projection = (rows: number): Record<string, ShapeWithScale> => ({
    wq: { shape: [rows, D], std: 1 / Math.sqrt(D) },
    wk: { shape: [rows, D], std: 1 / Math.sqrt(D) },
  });
  switch (attention.kind) {
    case 'dense':
      return projection(attention.qkDim);
    case 'sliding-window':
      return projection(model.headDim);
    case 'global-local':
      return projection(attention.split[0] + attention.split[1]);
    case 'mlr':
      return {
        q: { shape: [model.seqLen, model.headDim], std: 1 },
        k: { shape: [model.seqLen, model.headDim], std: 1 },
      };
    case 'bilinear-mlr': {
      const out: Record<string, ShapeWithScale> = {};
      attention.ranks.forEach((r, l) => {
        const p = 2 ** l;
        const m = D / p;
        out[levelWeight('wq', l)] = { shape: [p, m, r], std: 1 / Math.sqrt(m) };
        out[levelWeight('wk', l)] = { shape: [p, m, r], std: 1 / Math.sqrt(m) };
      });
      return out;
    }
    case 'bilinear-btt': {
      const [a, b] = attention.factors;
      const s = attention.rank;
      return {
        wq: { shape: [b, a, a * s], std: 1 / Math.sqrt(a * s) },
        wk: { shape: [a, b, b * s], std: 1 / Math.sqrt(b) },
      };
    }
    case 'mlbtc': {
      const out: Record<string, ShapeWithScale> = {};
      attention.levels.forEach((level, l) => {
        const { a, b, c, d, s } = mlbtcBlock(level, D);
        const p = level.blocks;
        if (level.kronecker) {
          out[levelWeight('A', l)] = { shape: [p, a, c], std: 1 / Math.sqrt(c) };
          out[levelWeight('B', l)] = { shape: [p, b, d], std: 1 / Math.sqrt(d) };
        } else {
          out[levelWeight('R', l)] = { shape: [p, a, b, c, s], std: 1 / Math.sqrt(c * s) };
          out[levelWeight('L', l)] = { shape: [p, s, b, c, d], std: 1 / Math.sqrt(d) };
        }
      });
      return out;
    }
  }
}

/** Shapes of one head's scoring weights (for mlr: its queries and keys over the sequence). */
export function weightShapes(attention: ResolvedAttention, model: ResolvedModel): WeightShapes {
  return Object.fromEntries(Object.entries(layout(attention, model)).map(([name, { shape }]) => [name, shape]));
}

/**
 * Shapes of the weights `logits()` takes: the same as `weightShapes` except for mlr, whose module holds the
 * projections wq, wk [r, D] (its T×T weights q, k are computed from X).
 */
export function logitWeightShapes(attention: ResolvedAttention, model: ResolvedModel): WeightShapes {
  if (attention.kind !== 'mlr') return weightShapes(attention, model);
  return { wq: [model.headDim, model.width], wk: [model.headDim, model.width] };
}

export function size(shape: readonly number[]): number {
  return shape.reduce((n, k) => n * k, 1);
}

function normalTensor(shape: number[], std: number, rng: Rng): Tensor {
  const data = new Float64Array(size(shape));
  for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
  return { shape, data };
}

/** A random instance of one head's scoring weights (names in the order of `weightShapes`). */
export function randomWeights(attention: ResolvedAttention, model: ResolvedModel, rng: Rng): HeadWeights {
  return Object.fromEntries(
    Object.entries(layout(attention, model)).map(([name, { shape, std }]) => [name, normalTensor(shape, std, rng)]),
  );
}

/** A random instance of the weights `logits()` takes (see `logitWeightShapes`). */
export function randomLogitWeights(attention: ResolvedAttention, model: ResolvedModel, rng: Rng): HeadWeights {
  if (attention.kind !== 'mlr') return randomWeights(attention, model, rng);
  const std = 1 / Math.sqrt(model.width);
  return Object.fromEntries(
    Object.entries(logitWeightShapes(attention, model)).map(([name, shape]) => [name, normalTensor(shape, std, rng)]),
  );
}

/**
 * The weight `name` from `weights`, checked against `expected` (the layout's shape). Throws naming the weight, the
 * family and both shapes, so an adapter that slices a head wrongly learns exactly what is off.
 */
export function requireWeight(weights: HeadWeights, name: string, expected: readonly number[], kind: string): Tensor {
  const t = weights[name];
  if (!t) {
    throw new Error(
      `${kind} weights: missing "${name}" (shape [${expected.join(', ')}]); got ${
        Object.keys(weights)
          .map((k) => `"${k}"`)
          .join(', ') || 'none'
      }`,
    );
  }
  if (t.shape.length !== expected.length || t.shape.some((k, i) => k !== expected[i])) {
    throw new Error(`${kind} weights: "${name}" has shape [${t.shape.join(', ')}], expected [${expected.join(', ')}]`);
  }
  if (t.data.length !== size(expected)) {
    throw new Error(`${kind} weights: "${name}" holds ${t.data.length} values, shape [${expected.join(', ')}] needs ${size(expected)}`);
  }
  return t;
}
