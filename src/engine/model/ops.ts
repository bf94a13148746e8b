/**
 * The few differentiable building blocks every module uses, written with ops whose gradients exist on every tfjs
 * backend we run (cpu, wasm, webgpu): no gather, no einsum, no stridedSlice, no broadcasting batched matMul (its
 * gradient has the wrong shape in tfjs 4.22), tensors of rank ≤ 5.
 */
import * as tf from '@tensorflow/tfjs-core';

/** LayerNorm epsilon of the reference (PyTorch's default). */
export const LN_EPS = 1e-5;

type CustomOp<A extends tf.Tensor[]> = (...args: [...A, tf.GradSaveFunc]) => {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
};

/** tf.customGrad with typed positional inputs (tfjs types the callback's arguments as one variadic union). */
function customOp<A extends tf.Tensor[]>(f: CustomOp<A>): (...inputs: A) => tf.Tensor {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...inputs: A) => tf.Tensor;
}

/** x (…, in) · w (in, out) → (…, out), for any leading shape. */
export function linear(x: tf.Tensor, w: tf.Tensor2D): tf.Tensor {
  const lead = x.shape.slice(0, -1);
  const out = tf.matMul(tf.reshape(x, [-1, w.shape[0]]), w);
  return tf.reshape(out, [...lead, w.shape[1]]);
}

/**
 * LayerNorm over the last axis without bias (the reference's `bias=False`): x̂ · gain, x̂ = (x − mean)/√(var + 1e-5).
 *
 * A custom gradient with the analytic backward, because tfjs's autodiff of the eight-op composition ran ~25 small
 * kernels per call in backward and kept every intermediate alive until then (bench/README.md, finding 6). Only x̂
 * and 1/σ are kept; with g = dy·gain over the N features,
 *   dx = (g − mean(g) − x̂ · mean(g · x̂)) / σ,   dgain = Σ over all leading axes of dy · x̂.
 * The forward values are the same ops as before; test/unit/engine.model.customGrads.test.ts checks both gradients
 * against autodiff of the plain composition.
 */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor1D): tf.Tensor {
  return layerNormOp(x, gain);
}

const layerNormOp = customOp((x: tf.Tensor, gain: tf.Tensor, save: tf.GradSaveFunc) => {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const invStd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), LN_EPS));
  const normalized = tf.mul(centered, invStd);
  save([normalized, invStd]);
  return {
    value: tf.mul(normalized, gain),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xHat, inv] = saved as [tf.Tensor, tf.Tensor];
      const g = tf.mul(dy, gain);
      const projection = tf.mul(xHat, tf.mean(tf.mul(g, xHat), -1, true));
      const dx = tf.mul(tf.sub(tf.sub(g, tf.mean(g, -1, true)), projection), inv);
      return [dx, columnSums(tf.mul(dy, xHat))];
    },
  };
});

/** LayerNorm when a gain is given, identity when QK-norm is off. */
export function maybeLayerNorm(x: tf.Tensor, gain: tf.Tensor1D | undefined): tf.Tensor {
  return gain ? layerNorm(x, gain) : x;
}

/**
 * Σ over every leading axis of x (…, N) → (N), as the product 1ᵀ·X of a row of ones with X (rows, N). Summing a
 * non-innermost axis makes tfjs-wasm transpose first (its slow 2-D path): 1.6 ms for 2048×128 against 0.2 ms for
 * the product, per LayerNorm per step.
 */
function columnSums(x: tf.Tensor): tf.Tensor {
  const features = x.shape[x.rank - 1]!;
  const rows = x.size / features;
  return tf.reshape(tf.matMul(tf.ones([1, rows]), tf.reshape(x, [rows, features])), [features]);
}

/**
 * Exact GELU, x·Φ(x) = ½x(1 + erf(x/√2)), as PyTorch's default (the cpu, wasm and webgpu backends all have Erf, so
 * no approximation is needed).
 *
 * A custom gradient with the closed form d/dx x·Φ(x) = Φ(x) + x·φ(x), φ(x) = exp(−x²/2)/√(2π), from the saved x and
 * Φ(x): autodiff of the composition differentiated through Erf and its scalings (more kernels, more kept tensors).
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return geluOp(x);
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const geluOp = customOp((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const cdf = tf.mul(tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))), 0.5);
  save([x, cdf]);
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input, phi] = saved as [tf.Tensor, tf.Tensor];
      const density = tf.mul(tf.exp(tf.mul(tf.square(input), -0.5)), INV_SQRT_2PI);
      return [tf.mul(dy, tf.add(phi, tf.mul(input, density)))];
    },
  };
});

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
