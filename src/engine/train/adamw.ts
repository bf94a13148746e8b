/**
 * AdamW with µP per-tensor learning rates (§2.4), global gradient-norm clipping, float32, exactly as PyTorch's
 * AdamW (non-fused, amsgrad off) and clip_grad_norm_ compute it, so a PyTorch run of the same model can be compared
 * step by step:
 *
 *   g ← g · min(1, clip / (‖g‖₂ + 1e-6))            (global norm over every tensor; skipped when clip is null)
 *   lrₑ = lr · schedule · lrScale(tensor of e)
 *   p ← p · (1 − lrₑ · weightDecay)                  (only tensors with NamedParam.decay: decoupled decay)
 *   m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
 *   p ← p − (lrₑ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 *
 * The update runs on ONE flat vector of all parameters: gradients are concatenated, updated with a fixed number of
 * element-wise ops, and split back. tfjs pays a fixed overhead per op (tens of µs on wasm), so a per-tensor update
 * would cost ~14 ops × tensors per step; the flat form costs ~4 cheap ops per tensor (reshape, split, assign) plus a
 * constant. The per-element learning-rate scale and decay mask are constant vectors built once.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedParam } from '../types';

export interface AdamWSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Global gradient-norm bound, or null for no clipping. */
  gradClip: number | null;
}

/** PyTorch's clip_grad_norm_ adds this to the norm before dividing. */
const CLIP_EPS = 1e-6;

export interface AdamWState {
  /** Updates applied so far (t in the bias corrections). */
  step: number;
  /** First and second moments, flat, in parameter order. */
  m: Float32Array;
  v: Float32Array;
}

export class AdamW {
  private t = 0;
  private readonly sizes: number[];
  readonly elements: number;
  private readonly m: tf.Variable<tf.Rank.R1>;
  private readonly v: tf.Variable<tf.Rank.R1>;
  /** lrScale of every element. */
  private readonly lrScale: tf.Tensor1D;
  /** lrScale · weightDecay where the tensor decays, 0 elsewhere; null when weightDecay is 0. */
  private readonly decayRate: tf.Tensor1D | null;

  constructor(
    private readonly params: readonly NamedParam[],
    private readonly settings: AdamWSettings,
  ) {
    this.sizes = params.map((p) => p.variable.size);
    this.elements = this.sizes.reduce((a, b) => a + b, 0);
    const scale = new Float32Array(this.elements);
    const decay = new Float32Array(this.elements);
    let offset = 0;
    for (const p of params) {
      scale.fill(p.lrScale, offset, offset + p.variable.size);
      if (p.decay) decay.fill(p.lrScale * settings.weightDecay, offset, offset + p.variable.size);
      offset += p.variable.size;
    }
    this.lrScale = tf.tensor1d(scale);
    this.decayRate = settings.weightDecay > 0 ? tf.tensor1d(decay) : null;
    this.m = zeroMoments(this.elements);
    this.v = zeroMoments(this.elements);
  }

  get step(): number {
    return this.t;
  }

  /**
   * Apply one update. `grads[i]` belongs to params[i]; a missing gradient (a parameter the loss does not reach)
   * counts as zero. `lr` is the scheduled base rate. Call inside tf.tidy: intermediates are not disposed here.
   */
  apply(grads: readonly (tf.Tensor | undefined)[], lr: number): void {
    const { beta1, beta2, eps, gradClip } = this.settings;
    this.t += 1;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;

    let g: tf.Tensor1D = tf.concat(this.params.map((p, i) => (grads[i] ? tf.reshape(grads[i]!, [-1]) : tf.zeros([p.variable.size]))));
    if (gradClip !== null) {
      const norm = tf.sqrt(tf.sum(tf.square(g)));
      const factor = tf.minimum(1, tf.div(gradClip, tf.add(norm, CLIP_EPS)));
      g = tf.mul(g, factor);
    }
    const m = tf.add(tf.mul(this.m, beta1), tf.mul(g, 1 - beta1));
    const v = tf.add(tf.mul(this.v, beta2), tf.mul(tf.square(g), 1 - beta2));
    this.m.assign(m as tf.Tensor1D);
    this.v.assign(v as tf.Tensor1D);

    let p: tf.Tensor1D = tf.concat(this.params.map((q) => tf.reshape(q.variable, [-1])));
    if (this.decayRate) p = tf.mul(p, tf.sub(1, tf.mul(this.decayRate, lr)));
    const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(bc2)), eps);
    const stepSize = tf.mul(this.lrScale, lr / bc1);
    p = tf.sub(p, tf.mul(stepSize, tf.div(m, denom)));

    const parts = tf.split(p, this.sizes);
    this.params.forEach((q, i) => q.variable.assign(tf.reshape(parts[i], q.variable.shape)));
  }

  /** A copy of the state (read asynchronously: the webgpu backend cannot read synchronously under Node). */
  async getState(): Promise<AdamWState> {
    // Copies: a backend may hand out its live buffer, which the next update would overwrite.
    const [m, v] = await Promise.all([this.m.data(), this.v.data()]);
    return { step: this.t, m: (m as Float32Array).slice(), v: (v as Float32Array).slice() };
  }

  setState(state: AdamWState): void {
    if (state.m.length !== this.elements || state.v.length !== this.elements) {
      throw new Error(`optimiser state holds ${state.m.length} moments, the model has ${this.elements} parameters`);
    }
    this.t = state.step;
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(state.m));
      this.v.assign(tf.tensor1d(state.v));
    });
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
    this.lrScale.dispose();
    this.decayRate?.dispose();
  }
}

function zeroMoments(elements: number): tf.Variable<tf.Rank.R1> {
  const zeros = tf.zeros([elements]);
  const variable = tf.variable(zeros, false) as tf.Variable<tf.Rank.R1>;
  zeros.dispose();
  return variable;
}
