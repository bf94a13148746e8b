/**
 * Dense materialisation of one head's scoring function, in float64, straight from the §3 formulas: the ground truth
 * the efficient tfjs modules are tested against, and the matrices whose numerical rank checks the analysis.
 *
 * - `scoringMatrix`: the D×D bilinear matrix W_h of feature-space families (S[i,j] = x_iᵀ·W_h·x_j with QK-norm off),
 *   logit scale κ included; for mlr the T×T logit matrix built from the head's queries and keys.
 * - `logits`: one head's T×T pre-softmax logits for inputs X (T×D, the block's ln_1 output), QK-norm off, with the
 *   causal mask (j > i) and the sliding window (i − j > w) as −Infinity.
 *
 * Weights follow the layout of ./weights.ts. Scales κ follow §2.3 and the family's `logitScale`.
 */
import { Matrix } from '../linalg/matrix';
import type { ResolvedAttention, ResolvedModel } from '../spec/resolve';
import { levelWeight, logitWeightShapes, mlbtcBlock, requireWeight, weightShapes, type HeadWeights, type Tensor } from './weights';

type Of<K extends ResolvedAttention['kind']> = Extract<ResolvedAttention, { kind: K }>;

/** κ of a dense-style head with query/key width d (§2.3): "mup" 8/d, "standard" 1/√d. */
export function denseScale(logitScale: 'mup' | 'standard', d: number): number {
  return logitScale === 'mup' ? 8 / d : 1 / Math.sqrt(d);
}

/** κ of a D-wide bilinear head (bilinear-btt, mlbtc; §2.3): "standard" 1/√D, "mup" 1/D. */
export function bilinearScale(logitScale: 'mup' | 'standard', width: number): number {
  return logitScale === 'mup' ? 1 / width : 1 / Math.sqrt(width);
}

/** κ_l of a bilinear-mlr level whose query/key width is r_l·p_l (§2.3), before the optional 1/L. */
export function bilinearMlrScale(logitScale: 'mup' | 'standard', rank: number, blocks: number): number {
  return logitScale === 'mup' ? 8 / (rank * blocks) : 1 / Math.sqrt(rank * blocks);
}

/** Checked access to every weight of the layout, by name. */
function weightsOf(
  attention: ResolvedAttention,
  model: ResolvedModel,
  weights: HeadWeights,
  shapes = weightShapes(attention, model),
): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(shapes).map(([name, shape]) => [name, requireWeight(weights, name, shape, attention.kind)]));
}

/** κ·Σ_ρ rows[from + ρ] ⊗ rows[from + ρ] of two (n, D) projections: the D×D matrix wqᵀ·wk restricted to rows [from, to). */
function projectionProduct(wq: Tensor, wk: Tensor, from: number, to: number, scale: number): Matrix {
  const D = wq.shape[1]!;
  const out = new Matrix(D, D);
  for (let r = from; r < to; r++) {
    for (let e = 0; e < D; e++) {
      const q = scale * wq.data[r * D + e]!;
      if (q === 0) continue;
      for (let f = 0; f < D; f++) out.data[e * D + f]! += q * wk.data[r * D + f]!;
    }
  }
  return out;
}

function bilinearMlrMatrix(attention: Of<'bilinear-mlr'>, model: ResolvedModel, w: Record<string, Tensor>): Matrix {
  const D = model.width;
  const out = new Matrix(D, D);
  const levels = attention.ranks.length;
  attention.ranks.forEach((r, l) => {
    const p = 2 ** l;
    const m = D / p;
    const kappa = bilinearMlrScale(attention.logitScale, r, p) / (attention.normalize === 'levels' ? levels : 1);
    const wq = w[levelWeight('wq', l)]!.data;
    const wk = w[levelWeight('wk', l)]!.data;
    // Block k: κ_l·Q_k·K_kᵀ with Q_k = wq[k] (m × r_l) on features k·m … (k+1)·m − 1.
    for (let k = 0; k < p; k++) {
      for (let e = 0; e < m; e++) {
        for (let f = 0; f < m; f++) {
          let sum = 0;
          for (let rho = 0; rho < r; rho++) sum += wq[(k * m + e) * r + rho]! * wk[(k * m + f) * r + rho]!;
          out.data[(k * m + e) * D + k * m + f]! += kappa * sum;
        }
      }
    }
  });
  return out;
}

function bttMatrix(attention: Of<'bilinear-btt'>, model: ResolvedModel, w: Record<string, Tensor>): Matrix {
  const D = model.width;
  const [a, b] = attention.factors;
  const [c, d] = attention.factors;
  const s = attention.rank;
  const kappa = bilinearScale(attention.logitScale, D);
  const wq = w.wq!.data; // [b, a, c·s]
  const wk = w.wk!.data; // [c, d, b·s]
  const out = new Matrix(D, D);
  // W_h[(α,β),(γ,δ)] = Σ_σ wq[β, α, γ·s+σ]·wk[γ, δ, β·s+σ]  (§3.2 entry formula)
  for (let alpha = 0; alpha < a; alpha++)
    for (let beta = 0; beta < b; beta++)
      for (let gamma = 0; gamma < c; gamma++)
        for (let delta = 0; delta < d; delta++) {
          let sum = 0;
          for (let sigma = 0; sigma < s; sigma++)
            sum += wq[(beta * a + alpha) * c * s + gamma * s + sigma]! * wk[(gamma * d + delta) * b * s + beta * s + sigma]!;
          out.data[(alpha * b + beta) * D + gamma * d + delta] = kappa * sum;
        }
  return out;
}

function mlbtcMatrix(attention: Of<'mlbtc'>, model: ResolvedModel, w: Record<string, Tensor>): Matrix {
  const D = model.width;
  const kappa = bilinearScale(attention.logitScale, D);
  const out = new Matrix(D, D);
  attention.levels.forEach((level, l) => {
    const { m, a, b, c, d, s } = mlbtcBlock(level, D);
    const A = level.kronecker ? w[levelWeight('A', l)]!.data : undefined;
    const B = level.kronecker ? w[levelWeight('B', l)]!.data : undefined;
    const R = level.kronecker ? undefined : w[levelWeight('R', l)]!.data;
    const L = level.kronecker ? undefined : w[levelWeight('L', l)]!.data;
    for (let k = 0; k < level.blocks; k++) {
      const base = k * m;
      for (let alpha = 0; alpha < a; alpha++)
        for (let beta = 0; beta < b; beta++)
          for (let gamma = 0; gamma < c; gamma++)
            for (let delta = 0; delta < d; delta++) {
              let sum = 0;
              if (A && B) {
                // A[k,α,γ]·B[k,β,δ]
                sum = A[(k * a + alpha) * c + gamma]! * B[(k * b + beta) * d + delta]!;
              } else {
                // Σ_σ R[k,α,β,γ,σ]·L[k,σ,β,γ,δ]
                for (let sigma = 0; sigma < s; sigma++) {
                  sum +=
                    R![(((k * a + alpha) * b + beta) * c + gamma) * s + sigma]! *
                    L![(((k * s + sigma) * b + beta) * c + gamma) * d + delta]!;
                }
              }
              out.data[(base + alpha * b + beta) * D + base + gamma * d + delta]! += kappa * sum;
            }
    }
  });
  return out;
}

/**
 * Coverage count c(i, j) of sequence-MLR levels (§3.4): how many levels put tokens i and j in the same block,
 * ⌊i/T_l⌋ = ⌊j/T_l⌋. Row-major T×T, as numbers.
 */
export function coverageCounts(blockSizes: readonly number[], seqLen: number): Matrix {
  return Matrix.from(seqLen, seqLen, (i, j) =>
    blockSizes.reduce((n, size) => n + (Math.floor(i / size) === Math.floor(j / size) ? 1 : 0), 0),
  );
}

/**
 * The T×T MLR logit matrix S = ω ⊙ Σ_l BlockDiag_{T_l}(q_l·k_lᵀ)/r_l (§3.4) from queries and keys q, k (T × r, level
 * l = the contiguous columns after the first l levels' ranks). ω: 1 ("none"), 1/L ("levels"), 1/c(i,j) ("coverage").
 * Choice: with "coverage", a pair no level covers holds 0 (the reference computes 0·∞ = NaN there); validation
 * only allows "coverage" when every causal pair is covered, so this never reaches a causal logit.
 */
function mlrMatrix(attention: Of<'mlr'>, T: number, q: Float64Array, k: Float64Array, r: number): Matrix {
  const out = new Matrix(T, T);
  let first = 0;
  attention.ranks.forEach((rank, l) => {
    const size = attention.blockSizes[l]!;
    for (let i = 0; i < T; i++) {
      const blockStart = Math.floor(i / size) * size;
      for (let j = blockStart; j < blockStart + size; j++) {
        let sum = 0;
        for (let rho = first; rho < first + rank; rho++) sum += q[i * r + rho]! * k[j * r + rho]!;
        out.data[i * T + j]! += sum / rank;
      }
    }
    first += rank;
  });
  if (attention.normalize === 'levels') return out.scale(1 / attention.ranks.length);
  if (attention.normalize === 'coverage') {
    const counts = coverageCounts(attention.blockSizes, T);
    for (let i = 0; i < out.data.length; i++) out.data[i] = counts.data[i]! > 0 ? out.data[i]! / counts.data[i]! : 0;
  }
  return out;
}

/**
 * One head's scoring matrix: D×D W_h (κ included) for feature-space families, T×T logits for mlr (from the weights
 * q, k). For global-local, the sum of both parts with their scales, (8/a)·W_globalᵀ… + (8/b)·W_local… .
 */
export function scoringMatrix(attention: ResolvedAttention, model: ResolvedModel, weights: HeadWeights): Matrix {
  const w = weightsOf(attention, model, weights);
  switch (attention.kind) {
    case 'dense':
      return projectionProduct(w.wq!, w.wk!, 0, attention.qkDim, denseScale(attention.logitScale, attention.qkDim));
    case 'sliding-window':
      return projectionProduct(w.wq!, w.wk!, 0, model.headDim, denseScale(attention.logitScale, model.headDim));
    case 'global-local': {
      const [ga, gb] = globalLocalParts(attention, w.wq!, w.wk!);
      return ga.add(gb);
    }
    case 'mlr':
      return mlrMatrix(attention, model.seqLen, w.q!.data, w.k!.data, model.headDim);
    case 'bilinear-mlr':
      return bilinearMlrMatrix(attention, model, w);
    case 'bilinear-btt':
      return bttMatrix(attention, model, w);
    case 'mlbtc':
      return mlbtcMatrix(attention, model, w);
  }
}

/** The global (first a rows, scale 8/a) and local (last b rows, scale 8/b) bilinear matrices of a global-local head. */
function globalLocalParts(attention: Of<'global-local'>, wq: Tensor, wk: Tensor): [Matrix, Matrix] {
  const [a, b] = attention.split;
  return [projectionProduct(wq, wk, 0, a, 8 / a), projectionProduct(wq, wk, a, a + b, 8 / b)];
}

/** X·W·Xᵀ, then −∞ where key j is after query i or further back than `window`. */
function maskedBilinear(X: Matrix, W: Matrix, window?: number): Matrix {
  return mask(X.matmul(W).matmul(X.transpose()), window);
}

/** Causal mask (j > i) and, when given, the sliding window (i − j > w): −Infinity, in place. */
function mask(scores: Matrix, window?: number): Matrix {
  for (let i = 0; i < scores.rows; i++) {
    for (let j = 0; j < scores.cols; j++) {
      if (j > i || (window !== undefined && i - j > window)) scores.data[i * scores.cols + j] = -Infinity;
    }
  }
  return scores;
}

/**
 * One head's pre-softmax logits for inputs X (T×D), QK-norm off: one T×T matrix per softmax the head takes — a
 * single one for every family except global-local, which returns [global, local] (softmaxed separately and added,
 * §3.5). Masked entries are −Infinity.
 *
 * `weights` are what the attention module holds (`logitWeightShapes`): the scoring weights of ./weights.ts, except
 * for mlr, where they are the projections wq, wk [r, D] and q = X·wqᵀ, k = X·wkᵀ (X must then have exactly
 * model.seqLen rows: MLR attention only runs at its block size, §3.4).
 */
export function logits(attention: ResolvedAttention, model: ResolvedModel, weights: HeadWeights, X: Matrix): Matrix[] {
  if (X.cols !== model.width) throw new RangeError(`logits: X must be T×${model.width} (T×model.width), got ${X.rows}×${X.cols}`);
  switch (attention.kind) {
    case 'mlr': {
      if (X.rows !== model.seqLen)
        throw new RangeError(`logits: mlr attention runs at exactly model.seqLen = ${model.seqLen} tokens, got X with ${X.rows} rows`);
      const w = weightsOf(attention, model, weights, logitWeightShapes(attention, model));
      const project = (p: Tensor) => X.matmul(new Matrix(model.headDim, model.width, p.data).transpose());
      return [mask(mlrMatrix(attention, model.seqLen, project(w.wq!).data, project(w.wk!).data, model.headDim))];
    }
    case 'global-local': {
      const w = weightsOf(attention, model, weights);
      const [globalW, localW] = globalLocalParts(attention, w.wq!, w.wk!);
      return [maskedBilinear(X, globalW), maskedBilinear(X, localW, attention.window)];
    }
    case 'sliding-window':
      return [maskedBilinear(X, scoringMatrix(attention, model, weights), attention.window)];
    default:
      return [maskedBilinear(X, scoringMatrix(attention, model, weights))];
  }
}
