/**
 * Bilinear MLR attention, a feature-space MLR matrix per head (§3.3). Level l has p_l = 2^l blocks of m_l = D/p_l
 * features; block k projects its chunk of x with W^l[k] (m_l × heads·r_l) for queries and keys. A head's level-l
 * query is the concatenation over blocks, r_l·p_l features in the reference order ρ·p_l + k, LayerNormed per level
 * (gains shared across heads), and
 *
 *   S_h[i,j] = Σ_l κ_l · LN_q^l(q_{h,l}(x_i)) · LN_k^l(k_{h,l}(x_j)),  κ_l = 1/√(r_l p_l) or 8/(r_l p_l), optionally ×1/L.
 *
 * Projections are batched matMuls over the p_l blocks (no D×D matrix is built). The scaled level queries and keys
 * are concatenated so the levels cost one (T, Σ r_l p_l)·(Σ r_l p_l, T) product instead of L separate T×T ones.
 * With weightClamp the weights pass through the RMS clamp (§2.4) with (d_in, d_out) = (m_l, heads·r_l).
 */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearMlrScale } from '../../../core/materialize';
import type { ResolvedAttention } from '../../../core/spec/resolve';
import { maskedSoftmax, maybeLayerNorm, rmsClamp } from '../ops';
import type { HeadGroupAttention, HeadGroupContext } from './types';

type BilinearMlr = Extract<ResolvedAttention, { kind: 'bilinear-mlr' }>;

interface Level {
  rank: number;
  blocks: number;
  scale: number;
  wq: tf.Variable;
  wk: tf.Variable;
  lnQ?: tf.Variable;
  lnK?: tf.Variable;
}

export class BilinearMlrAttention implements HeadGroupAttention {
  readonly heads: number;
  private readonly levels: Level[];
  private readonly causal: tf.Tensor2D;

  constructor(
    ctx: HeadGroupContext,
    private readonly a: BilinearMlr,
  ) {
    const { params, prefix, model, heads } = ctx;
    this.heads = heads;
    this.causal = ctx.masks.causal();
    const levelFactor = a.normalize === 'levels' ? 1 / a.ranks.length : 1;
    this.levels = a.ranks.map((rank, l) => {
      const blocks = 2 ** l;
      const m = model.width / blocks;
      const name = `${prefix}.levels.${l}`;
      return {
        rank,
        blocks,
        scale: bilinearMlrScale(a.logitScale, rank, blocks) * levelFactor,
        wq: params.matrix(`${name}.wq`, [blocks, m, heads * rank], m),
        wk: params.matrix(`${name}.wk`, [blocks, m, heads * rank], m),
        ...(a.qkNorm ? { lnQ: params.gain(`${name}.ln_q`, rank * blocks), lnK: params.gain(`${name}.ln_k`, rank * blocks) } : {}),
      };
    });
  }

  /** One level's per-head features (B, heads, T, r·p) from x (B, T, D), in the order ρ·p + k. */
  private project(x: tf.Tensor3D, level: Level, w: tf.Variable): tf.Tensor4D {
    const [b, t, d] = x.shape;
    const { rank, blocks } = level;
    const heads = this.heads;
    const weight = this.a.weightClamp ? rmsClamp(w, d / blocks, heads * rank) : w;
    const chunks = tf.transpose(tf.reshape(x, [b * t, blocks, d / blocks]), [1, 0, 2]); // (p, BT, m)
    const projected = tf.matMul(chunks, weight as tf.Tensor3D); // (p, BT, heads·r)
    const perHead = tf.transpose(tf.reshape(projected, [blocks, b * t, heads, rank]), [1, 2, 3, 0]); // (BT, heads, r, p)
    return tf.transpose(tf.reshape(perHead, [b, t, heads, rank * blocks]), [0, 2, 1, 3]);
  }

  scores(x: tf.Tensor3D): tf.Tensor4D {
    const qs: tf.Tensor[] = [];
    const ks: tf.Tensor[] = [];
    for (const level of this.levels) {
      qs.push(tf.mul(maybeLayerNorm(this.project(x, level, level.wq), level.lnQ as tf.Tensor1D | undefined), level.scale));
      ks.push(maybeLayerNorm(this.project(x, level, level.wk), level.lnK as tf.Tensor1D | undefined));
    }
    return tf.matMul(tf.concat(qs, -1), tf.concat(ks, -1), false, true) as tf.Tensor4D;
  }

  weights(x: tf.Tensor3D): tf.Tensor4D {
    return maskedSoftmax(this.scores(x), this.causal);
  }
}

export function createBilinearMlr(ctx: HeadGroupContext, a: BilinearMlr): HeadGroupAttention {
  return new BilinearMlrAttention(ctx, a);
}
