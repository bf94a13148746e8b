/**
 * The attention layer: one module per head group (each family in its own file), the value and output projections
 * W_V, W_O (D×D, shared by all groups), softmax weights applied to each group's slice of the value heads, heads
 * concatenated in head order, then W_O (zero-initialised, µP).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedAttention, ResolvedHeadGroup, ResolvedModel } from '../../../core/spec/resolve';
import type { MaskCache } from '../masks';
import { linear, mergeHeads, splitHeads } from '../ops';
import type { ParamFactory } from '../params';
import { createBilinearBtt } from './bilinearBtt';
import { createBilinearMlr } from './bilinearMlr';
import { createDense } from './dense';
import { createGlobalLocal } from './globalLocal';
import { createMlbtc } from './mlbtc';
import { createMlr } from './mlr';
import { createSlidingWindow } from './slidingWindow';
import type { HeadGroupAttention, HeadGroupContext } from './types';

export type { HeadGroupAttention } from './types';

export function createHeadGroup(ctx: HeadGroupContext, a: ResolvedAttention): HeadGroupAttention {
  switch (a.kind) {
    case 'dense':
      return createDense(ctx, a);
    case 'sliding-window':
      return createSlidingWindow(ctx, a);
    case 'global-local':
      return createGlobalLocal(ctx, a);
    case 'mlr':
      return createMlr(ctx, a);
    case 'bilinear-mlr':
      return createBilinearMlr(ctx, a);
    case 'bilinear-btt':
      return createBilinearBtt(ctx, a);
    case 'mlbtc':
      return createMlbtc(ctx, a);
  }
}

export class AttentionLayer {
  readonly groups: HeadGroupAttention[];
  private readonly wv: tf.Variable;
  private readonly wo: tf.Variable;

  constructor(
    params: ParamFactory,
    /** e.g. "h.2.attn". */
    prefix: string,
    private readonly model: ResolvedModel,
    groups: ResolvedHeadGroup[],
    masks: MaskCache,
  ) {
    this.groups = groups.map((g, i) => createHeadGroup({ params, prefix: `${prefix}.g${i}`, model, heads: g.heads, masks }, g.attention));
    this.wv = params.matrix(`${prefix}.wv`, [model.width, model.width], model.width);
    this.wo = params.zeroMatrix(`${prefix}.wo`, [model.width, model.width], model.width);
  }

  /** x (B, T, D), the block's ln_1 output → attention output (B, T, D). */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    const values = splitHeads(linear(x, this.wv as tf.Tensor2D), this.model.heads);
    const groupValues =
      this.groups.length === 1
        ? [values]
        : tf.split(
            values,
            this.groups.map((g) => g.heads),
            1,
          );
    const outputs = this.groups.map((g, i) => tf.matMul(g.weights(x), groupValues[i]) as tf.Tensor4D);
    const heads = outputs.length === 1 ? outputs[0] : (tf.concat(outputs, 1) as tf.Tensor4D);
    return linear(mergeHeads(heads), this.wo as tf.Tensor2D) as tf.Tensor3D;
  }

  /** Pre-softmax scores of every head (B, H, T, T), groups concatenated in head order. */
  scores(x: tf.Tensor3D): tf.Tensor4D {
    const parts = this.groups.map((g) => g.scores(x));
    return parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor4D);
  }
}
