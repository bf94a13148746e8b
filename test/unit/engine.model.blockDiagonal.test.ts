/**
 * The re-blocking behind MLR attention's score sum: blockDiagonal places blocks on the diagonal with zeros
 * elsewhere, and sumBlockDiagonals equals the explicit sum of per-level block-diagonal matrices for nested,
 * non-nested and non-covering schedules (expected values built entry by entry here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../src/core/random';
import { blockDiagonal, sumBlockDiagonals } from '../../src/engine/model/attention/blockDiagonal';

tf.setBackend('cpu');

function randomBlocks(rng: Rng, count: number, size: number): Float32Array {
  return Float32Array.from({ length: count * size * size }, () => rng.normal());
}

test('blockDiagonal: (N, k, m, m) → (N, k·m, k·m) with block κ at rows and columns κ·m …', () => {
  const rng = new Rng(1);
  const [n, k, m] = [2, 3, 2];
  const blocks = randomBlocks(rng, n * k, m);
  const out = blockDiagonal(tf.tensor4d(blocks, [n, k, m, m])).arraySync() as number[][][];
  for (let g = 0; g < n; g++)
    for (let i = 0; i < k * m; i++)
      for (let j = 0; j < k * m; j++) {
        const same = Math.floor(i / m) === Math.floor(j / m);
        const expected = same ? blocks[((g * k + Math.floor(i / m)) * m + (i % m)) * m + (j % m)]! : 0;
        assert.equal(out[g]![i]![j], expected, `(${g}, ${i}, ${j})`);
      }
});

for (const [label, total, sizes] of [
  ['nested dyadic', 16, [16, 8, 4, 2]],
  ['non-nested (lcm re-blocking)', 12, [4, 12, 6]],
  ['no global level', 12, [6, 2, 3]],
  ['repeated size', 8, [4, 4, 8]],
] as const) {
  test(`sumBlockDiagonals, ${label}: equals the explicit sum`, () => {
    const rng = new Rng(2);
    const groups = 2;
    const levels = sizes.map((size) => ({ size, values: randomBlocks(rng, (groups * total) / size, size) }));
    const got = sumBlockDiagonals(
      levels.map(({ size, values }) => ({ size, blocks: tf.tensor3d(values, [(groups * total) / size, size, size]) })),
      total,
    ).arraySync() as number[][][];
    for (let g = 0; g < groups; g++)
      for (let i = 0; i < total; i++)
        for (let j = 0; j < total; j++) {
          let expected = 0;
          for (const { size, values } of levels) {
            if (Math.floor(i / size) !== Math.floor(j / size)) continue;
            const block = g * (total / size) + Math.floor(i / size);
            expected += values[(block * size + (i % size)) * size + (j % size)]!;
          }
          assert.ok(Math.abs(got[g]![i]![j]! - expected) < 1e-5, `${label} (${g}, ${i}, ${j}): ${got[g]![i]![j]} vs ${expected}`);
        }
  });
}
