/**
 * What every attention family implements for one head group: its scores and its attention weights. The layer
 * (AttentionLayer in ./index.ts) owns the value and output projections shared by all groups, applies the weights to the group's
 * slice of the values and concatenates heads in head order.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ResolvedModel } from '../../../core/spec/resolve';
import type { MaskCache } from '../masks';
import type { ParamFactory } from '../params';

export interface HeadGroupAttention {
  readonly heads: number;
  /**
   * Pre-softmax scores S (B, heads, T, T) of x (B, T, D), the block's ln_1 output, with every scale and the MLR
   * coverage weights applied but before the causal/window mask. Global-local returns the sum of its two scaled parts.
   */
  scores(x: tf.Tensor3D): tf.Tensor4D;
  /** Attention weights P (B, heads, T, T): masked and row-softmaxed (global-local: the sum of its two softmaxes). */
  weights(x: tf.Tensor3D): tf.Tensor4D;
}

/** What a family needs to build itself. */
export interface HeadGroupContext {
  params: ParamFactory;
  /** Checkpoint-key prefix of this group's parameters, e.g. "h.2.attn.g0". */
  prefix: string;
  model: ResolvedModel;
  /** Heads in this group. */
  heads: number;
  masks: MaskCache;
}
