/**
 * The float64 Matrix and numericalRank (pivoted Householder QR): known ranks, tolerance behaviour, scale invariance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RANK_TOLERANCE, Matrix, numericalRank, pivotedQrDiagonal } from '../../src/core/linalg';
import { Rng } from '../../src/core/random';

const random = (rng: Rng, rows: number, cols: number) => Matrix.from(rows, cols, () => rng.normal());

test('Matrix: matmul, transpose, add and scale on a worked example', () => {
  const A = Matrix.fromRows([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const B = Matrix.fromRows([
    [7, 8],
    [9, 10],
    [11, 12],
  ]);
  assert.deepEqual(A.matmul(B).toRows(), [
    [58, 64],
    [139, 154],
  ]);
  assert.deepEqual(A.transpose().toRows(), [
    [1, 4],
    [2, 5],
    [3, 6],
  ]);
  assert.deepEqual(A.add(A.scale(-2)).toRows(), [
    [-1, -2, -3],
    [-4, -5, -6],
  ]);
  assert.deepEqual(Matrix.identity(2).matmul(A).toRows(), A.toRows());
  assert.throws(() => A.matmul(A), /2×3 · 2×3 do not conform/);
  assert.throws(() => new Matrix(2, 2, new Float64Array(3)), /needs 4 entries, got 3/);
});

test('Matrix.maxAbsDiff treats equal infinities (masked logits) as equal and anything else as infinitely far', () => {
  const a = Matrix.fromRows([[1, -Infinity]]);
  assert.equal(a.maxAbsDiff(Matrix.fromRows([[1.5, -Infinity]])), 0.5);
  assert.equal(a.maxAbsDiff(Matrix.fromRows([[1, 0]])), Infinity);
  assert.equal(a.maxAbsDiff(Matrix.fromRows([[1, Infinity]])), Infinity);
});

test('numericalRank: identity, zero, empty, rectangular and exact low-rank products', () => {
  const rng = new Rng(1);
  assert.equal(numericalRank(Matrix.identity(7)), 7);
  assert.equal(numericalRank(Matrix.zeros(5, 4)), 0);
  assert.equal(numericalRank(Matrix.zeros(0, 0)), 0);
  assert.equal(numericalRank(random(rng, 3, 9)), 3);
  assert.equal(numericalRank(random(rng, 9, 3)), 3);
  for (const [n, r] of [
    [10, 3],
    [64, 1],
    [120, 77],
  ] as const) {
    assert.equal(numericalRank(random(rng, n, r).matmul(random(rng, r, n))), r, `${n}×${n} of rank ${r}`);
  }
  // Repeated and zero columns.
  const base = random(rng, 6, 2);
  const dup = Matrix.from(6, 5, (i, j) => (j === 4 ? 0 : base.get(i, j % 2) * (j + 1)));
  assert.equal(numericalRank(dup), 2);
});

test('numericalRank: the tolerance is relative to the largest pivot and does not depend on the overall scale', () => {
  const diag = (values: number[]) => Matrix.from(values.length, values.length, (i, j) => (i === j ? values[i]! : 0));
  assert.equal(numericalRank(diag([1, 1e-8, 1e-9])), 3, 'above 1e-10 counts');
  assert.equal(numericalRank(diag([1, 1e-8, 1e-12])), 2, 'below 1e-10 does not');
  assert.equal(numericalRank(diag([1, 1e-8, 1e-12]), 1e-6), 1, 'a looser tolerance');
  assert.equal(numericalRank(diag([1e200, 1e192, 1e188])), 2);
  assert.equal(numericalRank(diag([1e-200, 1e-208, 1e-212])), 2);
  assert.equal(DEFAULT_RANK_TOLERANCE, 1e-10);
  assert.throws(() => numericalRank(Matrix.identity(2), 1), /must be in \[0, 1\)/);
  const rng = new Rng(2);
  const M = random(rng, 20, 4).matmul(random(rng, 4, 20));
  assert.equal(numericalRank(M.scale(1e150)), 4);
  assert.equal(numericalRank(M.scale(1e-150)), 4);
});

test('pivotedQrDiagonal: decreasing pivots whose product is |det|, sorted singular values of a scaled orthogonal matrix', () => {
  const M = Matrix.fromRows([
    [2, -1, 0],
    [-1, 2, -1],
    [0, -1, 2],
  ]);
  const d = pivotedQrDiagonal(M);
  assert.equal(d.length, 3);
  assert.ok(d[0]! >= d[1]! && d[1]! >= d[2]!);
  assert.ok(Math.abs(d[0]! * d[1]! * d[2]! - 4) < 1e-12, 'det = 4');
  // Columns of different norms in an orthogonal direction set: pivots are exactly those norms, largest first.
  const c = Math.SQRT1_2;
  const Q = Matrix.fromRows([
    [c, -c],
    [c, c],
  ]);
  const scaled = Q.matmul(
    Matrix.fromRows([
      [1, 0],
      [0, 5],
    ]),
  );
  const p = pivotedQrDiagonal(scaled);
  assert.ok(Math.abs(p[0]! - 5) < 1e-12 && Math.abs(p[1]! - 1) < 1e-12);
});

test('pivotedQrDiagonal stops early at the requested threshold, so low-rank inputs return only their pivots', () => {
  const rng = new Rng(3);
  const M = random(rng, 50, 5).matmul(random(rng, 5, 50));
  assert.equal(pivotedQrDiagonal(M, 1e-10).length, 5);
  assert.equal(pivotedQrDiagonal(M).length, 50);
});
