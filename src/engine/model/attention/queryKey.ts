/**
 * The standard per-head query/key projections shared by the sequence-side families (dense, sliding-window,
 * global-local, mlr): W_Q, W_K of shape (D, heads·dim) with µP init, and QK-norm as one LayerNorm over each head's
 * `dim` features for queries and one for keys, the gains shared across the group's heads (§2.2).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { linear, maybeLayerNorm, splitHeads } from '../ops';
import type { HeadGroupContext } from './types';

export class QueryKeyProjection {
  private readonly wq: tf.Variable;
  private readonly wk: tf.Variable;
  private readonly lnQ?: tf.Variable;
  private readonly lnK?: tf.Variable;

  constructor(
    private readonly ctx: HeadGroupContext,
    /** Per-head query/key dimension. */
    readonly dim: number,
    qkNorm: boolean,
  ) {
    const { params, prefix, model, heads } = ctx;
    this.wq = params.matrix(`${prefix}.wq`, [model.width, heads * dim], model.width);
    this.wk = params.matrix(`${prefix}.wk`, [model.width, heads * dim], model.width);
    if (qkNorm) {
      this.lnQ = params.gain(`${prefix}.ln_q`, dim);
      this.lnK = params.gain(`${prefix}.ln_k`, dim);
    }
  }

  /** Queries and keys (B, heads, T, dim), QK-normed when enabled. */
  project(x: tf.Tensor3D): { q: tf.Tensor4D; k: tf.Tensor4D } {
    const heads = this.ctx.heads;
    const q = maybeLayerNorm(splitHeads(linear(x, this.wq as tf.Tensor2D), heads), this.lnQ as tf.Tensor1D | undefined);
    const k = maybeLayerNorm(splitHeads(linear(x, this.wk as tf.Tensor2D), heads), this.lnK as tf.Tensor1D | undefined);
    return { q: q as tf.Tensor4D, k: k as tf.Tensor4D };
  }
}
