/**
 * Constant T×T tensors that attention modules apply: the causal and sliding-window masks (as additive biases) and
 * the MLR coverage weights ω. They are built once, in plain JS outside any gradient tape, and shared by every
 * layer and head group of a model through one cache (same key, same tensor); the model disposes them.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * What a masked-out logit becomes. Finite rather than −∞ so that nothing downstream can form 0·∞ = NaN; after the
 * row max is subtracted, exp(−1e9) underflows to exactly 0 in float32, so the softmax equals the −∞ version.
 */
export const MASKED_LOGIT = -1e9;

export class MaskCache {
  private readonly tensors = new Map<string, tf.Tensor2D>();

  constructor(readonly seqLen: number) {}

  /** 0 where key j may be seen by query i (j ≤ i), MASKED_LOGIT elsewhere. */
  causal(): tf.Tensor2D {
    return this.get('causal', () => this.bias((i, j) => j <= i));
  }

  /** 0 where 0 ≤ i − j ≤ window (window + 1 keys including the query itself), MASKED_LOGIT elsewhere (§3.5). */
  window(window: number): tf.Tensor2D {
    return this.get(`window:${window}`, () => this.bias((i, j) => j <= i && i - j <= window));
  }

  /** A constant T×T matrix given by `entry(i, j)`, cached under `key` (e.g. the MLR coverage weights). */
  matrix(key: string, entry: (i: number, j: number) => number): tf.Tensor2D {
    return this.get(`matrix:${key}`, () => this.build(entry));
  }

  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }

  private bias(allowed: (i: number, j: number) => boolean): tf.Tensor2D {
    return this.build((i, j) => (allowed(i, j) ? 0 : MASKED_LOGIT));
  }

  private build(entry: (i: number, j: number) => number): tf.Tensor2D {
    const t = this.seqLen;
    const values = new Float32Array(t * t);
    for (let i = 0; i < t; i++) for (let j = 0; j < t; j++) values[i * t + j] = entry(i, j);
    return tf.tensor2d(values, [t, t]);
  }

  private get(key: string, make: () => tf.Tensor2D): tf.Tensor2D {
    let tensor = this.tensors.get(key);
    if (!tensor) {
      tensor = tf.keep(make()); // survives an enclosing tf.tidy: it lives as long as the model
      this.tensors.set(key, tensor);
    }
    return tensor;
  }
}
