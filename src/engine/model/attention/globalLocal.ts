/**
 * Global + sliding-window attention (GSWA, §3.5). Each head's queries and keys (headDim = a + b features, QK-normed
 * over all of them before the split, §2.2) are split into the first a features, scored globally with scale 8/a
 * under the causal mask, and the last b, scored with scale 8/b under the window mask. The two row softmaxes are
 * added without renormalisation, so every row of the weights sums to 2, as in the reference.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedAttention } from '../../../core/spec/resolve';
import { maskedSoftmax } from '../ops';
import { QueryKeyProjection } from './queryKey';
import type { HeadGroupAttention, HeadGroupContext } from './types';

export class GlobalLocalAttention implements HeadGroupAttention {
  readonly heads: number;
  private readonly qk: QueryKeyProjection;
  private readonly causal: tf.Tensor2D;
  private readonly window: tf.Tensor2D;

  constructor(
    ctx: HeadGroupContext,
    private readonly a: Extract<ResolvedAttention, { kind: 'global-local' }>,
  ) {
    this.heads = ctx.heads;
    this.qk = new QueryKeyProjection(ctx, a.split[0] + a.split[1], a.qkNorm);
    this.causal = ctx.masks.causal();
    this.window = ctx.masks.window(a.window);
  }

  /** The two scaled score matrices (B, heads, T, T), before their masks. */
  parts(x: tf.Tensor3D): { global: tf.Tensor4D; local: tf.Tensor4D } {
    const [a, b] = this.a.split;
    const { q, k } = this.qk.project(x);
    const [qGlobal, qLocal] = tf.split(q, [a, b], -1);
    const [kGlobal, kLocal] = tf.split(k, [a, b], -1);
    return {
      global: tf.matMul(tf.mul(qGlobal, 8 / a), kGlobal, false, true) as tf.Tensor4D,
      local: tf.matMul(tf.mul(qLocal, 8 / b), kLocal, false, true) as tf.Tensor4D,
    };
  }

  scores(x: tf.Tensor3D): tf.Tensor4D {
    const { global, local } = this.parts(x);
    return tf.add(global, local);
  }

  weights(x: tf.Tensor3D): tf.Tensor4D {
    const { global, local } = this.parts(x);
    return tf.add(maskedSoftmax(global, this.causal), maskedSoftmax(local, this.window));
  }
}

export function createGlobalLocal(ctx: HeadGroupContext, a: Extract<ResolvedAttention, { kind: 'global-local' }>): HeadGroupAttention {
  return new GlobalLocalAttention(ctx, a);
}
