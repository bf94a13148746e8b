/**
 * The few differentiable building blocks every module uses, written with ops whose gradients exist on every tfjs
 * backend we run (cpu, wasm, webgpu): no gather, no einsum, no stridedSlice, no broadcasting batched matMul (its
 * gradient has the wrong shape in tfjs 4.22), tensors of rank ≤ 5.
 */
import * as tf from '@tensorflow/tfjs-core';

/** LayerNorm epsilon of the reference (PyTorch's default). */
export const LN_EPS = 1e-5;

/** x (…, in) · w (in, out) → (…, out), for any leading shape. */
export function linear(x: tf.Tensor, w: tf.Tensor2D): tf.Tensor {
  const lead = x.shape.slice(0, -1);
  const out = tf.matMul(tf.reshape(x, [-1, w.shape[0]]), w);
  return tf.reshape(out, [...lead, w.shape[1]]);
}

/** LayerNorm over the last axis without bias (the reference's `bias=False`): (x − mean)/√(var + 1e-5) · gain. */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor1D): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, LN_EPS))), gain);
}

/** LayerNorm when a gain is given, identity when QK-norm is off. */
export function maybeLayerNorm(x: tf.Tensor, gain: tf.Tensor1D | undefined): tf.Tensor {
  return gain ? layerNorm(x, gain) : x;
}

/**
 * Exact GELU, x·Φ(x) = ½x(1 + erf(x/√2)), as PyTorch's default. tfjs-core registers a gradient for Erf and the
 * cpu, wasm and webgpu backends all have the kernel, so no approximation is needed.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** (B, T, H·d) → (B, H, T, d). */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  const [b, t, hd] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [b, t, heads, hd / heads]), [0, 2, 1, 3]);
}

/** (B, H, T, d) → (B, T, H·d). */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor3D {
  const [b, h, t, d] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, t, h * d]);
}

/**
 * The forward-time RMS clamp of structured weights (§2.4, from compute-better-spent's FasterBTT):
 * W / max(1, RMS(W)/ρ) with RMS over the whole tensor (+1e-8 inside the root) and ρ = √min(d_in, d_out)/d_in.
 * Differentiable through the tensor branch of the max, as in the reference.
 */
export function rmsClamp(w: tf.Tensor, dIn: number, dOut: number): tf.Tensor {
  const rho = Math.sqrt(Math.min(dIn, dOut)) / dIn;
  const rms = tf.sqrt(tf.add(tf.mean(tf.square(w)), 1e-8));
  return tf.div(w, tf.maximum(1, tf.div(rms, rho)));
}

/** Row softmax of scores (B, H, T, T) after adding a constant additive mask bias (T, T) of 0 and −1e9. */
export function maskedSoftmax(scores: tf.Tensor4D, maskBias: tf.Tensor2D): tf.Tensor4D {
  return tf.softmax(tf.add(scores, maskBias)) as tf.Tensor4D;
}

/** x (B, T, D) repeated for each of `heads` heads as (B, heads, T, D), so per-head batched matMuls need no broadcasting. */
export function repeatPerHead(x: tf.Tensor3D, heads: number): tf.Tensor4D {
  const [b, t, d] = x.shape;
  return tf.tile(tf.reshape(x, [b, 1, t, d]), [1, heads, 1, 1]);
}
