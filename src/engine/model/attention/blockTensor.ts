/**
 * Block tensor contractions: applying each head's structured D×D matrix W_h to many vectors at once without ever
 * forming W_h, and the key-side bilinear scores S_h[i,j] = κ · x_iᵀ · LN(W_h x_j) shared by Bilinear BTT (§3.2) and
 * MLBTC (§3.6).
 *
 * One level is a block-diagonal matrix of p blocks, each m×m (m = D/p), each a two-core contraction
 *   B[(α,β),(γ,δ)] = Σ_σ R[α,β,γ,σ] · L[σ,β,γ,δ],   out (α,β) ∈ a×b, in (γ,δ) ∈ c×d, σ < s.
 * Core layouts, for all heads h of the group and blocks k (the reference's Bilinear BTT shapes when p = 1):
 *   left  (p·c, d, H·b·s):   left[k·c+γ, δ, (h·b+β)·s+σ]  = L_{k,h}[σ,β,γ,δ]   (the reference's W_K)
 *   right (p·H·b, a, c·s):   right[(k·H+h)·b+β, α, γ·s+σ] = R_{k,h}[α,β,γ,σ]   (the reference's W_Q)
 * and the contraction follows the reference order (§3.2(f)): a batched matMul over (k, γ) with the left core, a
 * regrouping, a batched matMul over (k, h, β) with the right core, and a regrouping to feature k·m + α·b + β.
 *
 * A Kronecker-tied level (s = 1, R = A[α,γ], L = B[β,δ]) is applied as A·X·Bᵀ per block, two small matMuls:
 *   kronA (p·H, a, c): kronA[k·H+h, α, γ] = A_{k,h}[α,γ];   kronB (p, d, H·b): kronB[k, δ, h·b+β] = B_{k,h}[β,δ].
 */
import * as tf from '@tensorflow/tfjs-core';
import { repeatPerHead } from '../ops';

export interface BlockTensorShape {
  /** Diagonal blocks p. */
  blocks: number;
  heads: number;
  /** Output factorisation [a, b] of the block size m. */
  out: [number, number];
  /** Input factorisation [c, d] of m. */
  in: [number, number];
  /** Contraction rank s. */
  rank: number;
}

/** Core shapes of a two-core level, in the layout documented above. */
export function blockTensorCoreShapes(shape: BlockTensorShape): { left: number[]; right: number[] } {
  const {
    blocks: p,
    heads: h,
    out: [a, b],
    in: [c, d],
    rank: s,
  } = shape;
  return { left: [p * c, d, h * b * s], right: [p * h * b, a, c * s] };
}

/** Kronecker core shapes, in the layout documented above. */
export function kroneckerCoreShapes(shape: BlockTensorShape): { a: number[]; b: number[] } {
  const {
    blocks: p,
    heads: h,
    out: [a, b],
    in: [c, d],
  } = shape;
  return { a: [p * h, a, c], b: [p, d, h * b] };
}

/** W_h x_n for every head: x (N, D) → (N, heads, D). */
export function applyBlockTensor(x: tf.Tensor2D, left: tf.Tensor, right: tf.Tensor, shape: BlockTensorShape): tf.Tensor3D {
  const {
    blocks: p,
    heads: h,
    out: [a, b],
    in: [c, d],
    rank: s,
  } = shape;
  const [n, width] = x.shape;
  const u = tf.matMul(tf.transpose(tf.reshape(x, [n, p * c, d]), [1, 0, 2]), left as tf.Tensor3D); // (p·c, N, h·b·s)
  const regrouped = tf.transpose(tf.reshape(u, [p, c, n, h * b, s]), [0, 3, 1, 4, 2]); // (p, h·b, c, s, N)
  const v = tf.matMul(right as tf.Tensor3D, tf.reshape(regrouped, [p * h * b, c * s, n])); // (p·h·b, a, N)
  return tf.reshape(tf.transpose(tf.reshape(v, [p, h, b, a, n]), [4, 1, 0, 3, 2]), [n, h, width]);
}

/** (A ⊗ B) x_n per block and head: x (N, D) → (N, heads, D). */
export function applyKronecker(x: tf.Tensor2D, kronA: tf.Tensor, kronB: tf.Tensor, shape: BlockTensorShape): tf.Tensor3D {
  const {
    blocks: p,
    heads: h,
    out: [a, b],
    in: [c, d],
  } = shape;
  const [n, width] = x.shape;
  const xb = tf.reshape(tf.transpose(tf.reshape(x, [n, p, c * d]), [1, 0, 2]), [p, n * c, d]);
  const xbT = tf.matMul(xb, kronB as tf.Tensor3D); // (p, N·c, h·b): X Bᵀ per block and head
  const y = tf.transpose(tf.reshape(xbT, [p, n, c, h, b]), [0, 3, 2, 1, 4]); // (p, h, c, N, b)
  const z = tf.matMul(kronA as tf.Tensor3D, tf.reshape(y, [p * h, c, n * b])); // (p·h, a, N·b): A X Bᵀ
  return tf.reshape(tf.transpose(tf.reshape(z, [p, h, a, n, b]), [3, 1, 0, 2, 4]), [n, h, width]);
}

/**
 * S (B, heads, T, T) with S_h[i,j] = scale · x_i · z_{h,j}, for x (B, T, D) and transformed keys (B·T, heads, D)
 * (already LayerNormed when QK-norm is on). x is repeated per head so that the product is one batched matMul over
 * (B, heads): tfjs's broadcasting matMul has a wrong-shaped gradient, and a (B, H, T, D) copy of x is smaller than
 * the (B, T, H, T) transpose the reference's (B, T, D)·(B, D, H·T) order would need whenever D < T.
 */
export function keySideScores(x: tf.Tensor3D, keys: tf.Tensor3D, scale: number): tf.Tensor4D {
  const [b, t, d] = x.shape;
  const heads = keys.shape[1];
  const z = tf.transpose(tf.reshape(keys, [b, t, heads, d]), [0, 2, 1, 3]);
  return tf.matMul(repeatPerHead(tf.mul(x, scale), heads), z, false, true);
}
