/**
 * Dense multi-head attention (§3.1): S_h[i,j] = κ · LN(W_Q^h x_i) · LN(W_K^h x_j), κ = 8/d ("mup") or 1/√d
 * ("standard") with d the query/key dimension (§2.3), then the causal mask and a row softmax.
 *
 * The sliding-window family is the same scores under a window mask, so it builds this class with another mask.
 */
import * as tf from '@tensorflow/tfjs-core';
import { denseScale } from '../../../core/materialize';
import type { ResolvedAttention } from '../../../core/spec/resolve';
import { maskedSoftmax } from '../ops';
import { QueryKeyProjection } from './queryKey';
import type { HeadGroupAttention, HeadGroupContext } from './types';

export class DotProductAttention implements HeadGroupAttention {
  readonly heads: number;
  private readonly qk: QueryKeyProjection;

  constructor(
    ctx: HeadGroupContext,
    dim: number,
    private readonly scale: number,
    qkNorm: boolean,
    /** Additive mask bias (T, T): causal for dense, causal window for sliding-window. */
    private readonly maskBias: tf.Tensor2D,
  ) {
    this.heads = ctx.heads;
    this.qk = new QueryKeyProjection(ctx, dim, qkNorm);
  }

  scores(x: tf.Tensor3D): tf.Tensor4D {
    const { q, k } = this.qk.project(x);
    // Scale the (T, d) queries rather than the (T, T) scores: fewer multiplies, same result.
    return tf.matMul(tf.mul(q, this.scale), k, false, true) as tf.Tensor4D;
  }

  weights(x: tf.Tensor3D): tf.Tensor4D {
    return maskedSoftmax(this.scores(x), this.maskBias);
  }
}

export function createDense(ctx: HeadGroupContext, a: Extract<ResolvedAttention, { kind: 'dense' }>): HeadGroupAttention {
  return new DotProductAttention(ctx, a.qkDim, denseScale(a.logitScale, a.qkDim), a.qkNorm, ctx.masks.causal());
}
