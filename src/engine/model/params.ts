/**
 * Creating the trainable tensors of a model with µP initialisation and learning-rate scales (§2.4).
 *
 * Every value is drawn from the seeded core Rng (not tf.randomNormal), so the same seed gives the same weights on
 * every backend, and the draw order is the construction order.
 *
 * The rules, one method each:
 * - matrices: N(0, 1/fan_in), lrScale = W₀/fan_in (W₀ = training.mupBaseWidth);
 * - output projections (attention c_proj, MLP c_proj, lm head, read-outs): zeros, lrScale = W₀/fan_in;
 * - embeddings (tokens, positions, read-ins): N(0, 0.02²), lrScale 1;
 * - LayerNorm gains: ones, lrScale 1.
 * Weight decay applies to tensors of two or more dimensions (the reference's AdamW groups), gains are exempt.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/random';
import type { NamedParam } from '../types';

const EMBEDDING_STD = 0.02;

export class ParamFactory {
  readonly params: NamedParam[] = [];
  private readonly names = new Set<string>();

  constructor(
    private readonly rng: Rng,
    /** µP base width W₀ (training.mupBaseWidth). */
    private readonly baseWidth: number,
  ) {}

  /** A weight tensor of any rank whose contraction dimension is `fanIn`: N(0, 1/fanIn), lrScale W₀/fanIn. */
  matrix(name: string, shape: number[], fanIn: number): tf.Variable {
    return this.add(name, this.normal(shape, 1 / Math.sqrt(fanIn)), this.baseWidth / fanIn);
  }

  /** A zero-initialised output projection (µP: c_proj, lm head, read-outs) with lrScale W₀/fanIn. */
  zeroMatrix(name: string, shape: number[], fanIn: number): tf.Variable {
    return this.add(name, new Float32Array(sizeOf(shape)), this.baseWidth / fanIn, shape);
  }

  /** An embedding table (tokens, positions, read-ins): N(0, 0.02²), lrScale 1 (fan_in forced to 1, W₀ to 1). */
  embedding(name: string, shape: number[]): tf.Variable {
    return this.add(name, this.normal(shape, EMBEDDING_STD), 1);
  }

  /** A LayerNorm gain of ones, lrScale 1, never decayed. */
  gain(name: string, size: number): tf.Variable {
    return this.add(name, new Float32Array(size).fill(1), 1, [size]);
  }

  private normal(shape: number[], std: number): { values: Float32Array; shape: number[] } {
    const values = new Float32Array(sizeOf(shape));
    for (let i = 0; i < values.length; i++) values[i] = std * this.rng.normal();
    return { values, shape };
  }

  private add(
    name: string,
    init: Float32Array | { values: Float32Array; shape: number[] },
    lrScale: number,
    shape?: number[],
  ): tf.Variable {
    if (this.names.has(name)) throw new Error(`Parameter name "${name}" is used twice; every parameter needs a unique checkpoint key.`);
    this.names.add(name);
    const { values, shape: s } = init instanceof Float32Array ? { values: init, shape: shape! } : init;
    // tfjs variable names are global to the engine, so two models in one process would collide: the tfjs name is
    // left automatic and the checkpoint key lives in NamedParam.name.
    const initial = tf.tensor(values, s, 'float32');
    const variable = tf.variable(initial, true);
    initial.dispose();
    this.params.push({ name, variable, lrScale, decay: s.length >= 2 });
    return variable;
  }
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
