/**
 * buildModel(spec, rng): the transformer of a resolved spec, with every parameter created (µP, seeded) and every
 * constant mask built, ready for the training loop. Importing this module registers tfjs-core's gradients, which
 * the model exists to be trained with.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/random';
import type { ResolvedSpec } from '../../core/spec/resolve';
import type { Batch, Model, NamedParam } from '../types';
import { MaskCache } from './masks';
import { ParamFactory } from './params';
import { createTaskHead, type TaskHead } from './taskHeads';
import { Trunk } from './transformer';

class Transformer implements Model {
  readonly params: NamedParam[];
  private readonly head: TaskHead;
  private readonly trunk: Trunk;
  private readonly masks: MaskCache;

  constructor(
    readonly spec: ResolvedSpec,
    rng: Rng,
  ) {
    const factory = new ParamFactory(rng, spec.training.mupBaseWidth);
    this.masks = new MaskCache(spec.model.seqLen);
    this.head = createTaskHead(factory, spec);
    this.trunk = new Trunk(factory, spec, this.masks);
    this.params = factory.params;
  }

  predict(inputs: tf.Tensor): tf.Tensor {
    return this.head.predict(this.trunk.apply(this.head.embed(inputs)));
  }

  loss(batch: Batch): tf.Scalar {
    return this.head.loss(this.predict(batch.inputs), batch);
  }

  attentionLogits(layer: number, x: tf.Tensor3D): tf.Tensor4D {
    const block = this.trunk.blocks[layer];
    if (!block)
      throw new Error(
        `Layer ${layer} does not exist: the model has ${this.trunk.blocks.length} layers (0…${this.trunk.blocks.length - 1}).`,
      );
    return block.attention.scores(x);
  }

  dispose(): void {
    for (const p of this.params) p.variable.dispose();
    this.masks.dispose();
  }
}

export function buildModel(spec: ResolvedSpec, rng: Rng): Model {
  return new Transformer(spec, rng);
}
