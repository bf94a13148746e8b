/**
 * Summing block-diagonal matrices of different block sizes without building a T×T matrix per level (MLR attention,
 * §3.4(e): "an efficient implementation adds the block products directly").
 *
 * A level with block size m contributes (G·T/m, m, m) block products (G = batch × heads). The naive way pads every
 * level into its own (G, T, T) matrix and adds: L full T×T tensors. Here levels are added from the finest block
 * size upwards: the running sum, held as blocks of size m, is re-expressed as blocks of the next level's size M
 * (lcm(m, M), which divides T because both do) and the level's products are added there. Re-blocking costs
 * G·T·M entries, so a dyadic schedule touches G·T·(T + T/2 + …) < 2·G·T² entries in all, against L·G·T² for the
 * naive sum, and the only full T×T tensors are the last re-blocking and the global level's own products.
 * Non-nested schedules (e.g. blocks 4 and 6) stay exact: their common block size is the lcm.
 *
 * Re-blocking is a "skew": pad, reshape, slice, reshape, two transposes, all with gradients on every backend
 * (scatter and gather are missing or gradient-less on wasm).
 */
import * as tf from '@tensorflow/tfjs-core';

/** (N, k, m, m) diagonal blocks → (N, k·m, k·m) block-diagonal matrices (zeros off the blocks). */
export function blockDiagonal(blocks: tf.Tensor4D): tf.Tensor3D {
  const [n, k, m] = blocks.shape;
  if (k === 1) return tf.reshape(blocks, [n, m, m]);
  const size = k * m;
  // For each block row a, lay the k rows of length m out with stride size + m: reading the flat result back with
  // stride `size` shifts block row κ right by κ·m, which is exactly its diagonal position; the padding fills the rest.
  const rows = tf.transpose(blocks, [0, 2, 1, 3]); // (n, m_a, k, m_b)
  const padded = tf.pad(rows, [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, size],
  ]); // (n, m, k, m + size)
  const flat = tf.slice(tf.reshape(padded, [n, m, k * (m + size)]), [0, 0, 0], [n, m, k * size]);
  const skewed = tf.reshape(flat, [n, m, k, size]);
  return tf.reshape(tf.transpose(skewed, [0, 2, 1, 3]), [n, size, size]);
}

/** Blocks of size `from` (G·T/from, from, from) re-expressed as blocks of size `to`, a multiple of `from`. */
export function reblock(blocks: tf.Tensor3D, from: number, to: number): tf.Tensor3D {
  if (to === from) return blocks;
  const k = to / from;
  return blockDiagonal(tf.reshape(blocks, [blocks.shape[0] / k, k, from, from]));
}

export interface BlockLevel {
  /** Block size m; it divides the total size. */
  size: number;
  /** Block products (G·total/size, size, size). */
  blocks: tf.Tensor3D;
}

/** Σ over levels of BlockDiag(level blocks), as (G, total, total). */
export function sumBlockDiagonals(levels: BlockLevel[], total: number): tf.Tensor3D {
  const ordered = [...levels].sort((x, y) => x.size - y.size);
  let size = ordered[0].size;
  let sum = ordered[0].blocks;
  for (const level of ordered.slice(1)) {
    const common = lcm(size, level.size);
    sum = tf.add(reblock(sum, size, common), reblock(level.blocks, level.size, common));
    size = common;
  }
  return reblock(sum, size, total);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}
