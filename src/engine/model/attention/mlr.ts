/**
 * Multi-Level Low-Rank attention over the sequence (§3.4). Per head, queries and keys of headDim features (QK-normed
 * over all of them first, §2.2) are split into contiguous chunks of r_0, r_1, … features. Level l is active for
 * (i, j) when both lie in the same block of length T_l, and contributes q_i^(l)·k_j^(l)/r_l:
 *
 *   S_h = ω ⊙ Σ_l BlockDiag_{T_l}(Q_l K_lᵀ)/r_l,   ω = 1, 1/L ("levels") or 1/c(i,j) ("coverage").
 *
 * Each level's block products are one batched matMul over (B·H·T/T_l) blocks; they are summed into the T×T scores
 * without a T×T matrix per level (./blockDiagonal.ts says how and why). The model runs at exactly T = seqLen.
 */
import * as tf from '@tensorflow/tfjs-core';
import { coverageCounts } from '../../../core/materialize';
import type { ResolvedAttention } from '../../../core/spec/resolve';
import { maskedSoftmax } from '../ops';
import type { MaskCache } from '../masks';
import { sumBlockDiagonals } from './blockDiagonal';
import { QueryKeyProjection } from './queryKey';
import type { HeadGroupAttention, HeadGroupContext } from './types';

type Mlr = Extract<ResolvedAttention, { kind: 'mlr' }>;

export class MlrAttention implements HeadGroupAttention {
  readonly heads: number;
  private readonly qk: QueryKeyProjection;
  private readonly causal: tf.Tensor2D;
  /** ω as a constant T×T tensor, only for "coverage" ("levels" is folded into the per-level scales). */
  private readonly coverage?: tf.Tensor2D;

  constructor(
    ctx: HeadGroupContext,
    private readonly a: Mlr,
  ) {
    this.heads = ctx.heads;
    this.qk = new QueryKeyProjection(ctx, ctx.model.headDim, a.qkNorm);
    this.causal = ctx.masks.causal();
    if (a.normalize === 'coverage') this.coverage = coverageWeights(ctx.masks, a.blockSizes);
  }

  scores(x: tf.Tensor3D): tf.Tensor4D {
    const { ranks, blockSizes, normalize } = this.a;
    const { q, k } = this.qk.project(x);
    const [b, h, t] = q.shape;
    const qLevels = tf.split(q, ranks, -1);
    const kLevels = tf.split(k, ranks, -1);
    const levelFactor = normalize === 'levels' ? 1 / ranks.length : 1;
    const levels = ranks.map((r, l) => {
      const size = blockSizes[l];
      // (B, H, T, r) → (B·H·T/T_l, T_l, r): the sequence axis splits into contiguous blocks without moving data.
      const ql = tf.reshape(tf.mul(qLevels[l], levelFactor / r), [(b * h * t) / size, size, r]);
      const kl = tf.reshape(kLevels[l], [(b * h * t) / size, size, r]);
      return { size, blocks: tf.matMul(ql, kl, false, true) as tf.Tensor3D };
    });
    const summed = tf.reshape(sumBlockDiagonals(levels, t), [b, h, t, t]) as tf.Tensor4D;
    return this.coverage ? tf.mul(summed, this.coverage) : summed;
  }

  weights(x: tf.Tensor3D): tf.Tensor4D {
    return maskedSoftmax(this.scores(x), this.causal);
  }
}

/**
 * ω(i, j) = 1/c(i, j), c = the number of levels whose block holds both i and j (§3.4, `mlr_block_divide_by_num_levels`),
 * counted by core. Pairs no level covers get ω = 0, as core's materialisation does (their score is 0 either way);
 * validation rejects schedules that leave a causal pair uncovered, where the reference would produce 1/0.
 */
function coverageWeights(masks: MaskCache, blockSizes: number[]): tf.Tensor2D {
  const t = masks.seqLen;
  const counts = coverageCounts(blockSizes, t).data;
  return masks.matrix(`mlr-coverage:${blockSizes.join(',')}`, (i, j) => (counts[i * t + j]! > 0 ? 1 / counts[i * t + j]! : 0));
}

export function createMlr(ctx: HeadGroupContext, a: Mlr): HeadGroupAttention {
  return new MlrAttention(ctx, a);
}
