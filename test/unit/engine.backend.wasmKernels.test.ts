/**
 * The wasm kernel rewrites (src/engine/wasmKernels.ts) compute what the original kernels compute, against plain-JS
 * references: BatchMatMul on every path it takes (transposes, a batch times a matrix, a matrix times a batch, batch
 * times batch, tiny products left to the original), Slice and SplitV on every rank, Identity sharing buffers; and they
 * free every temporary.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { startBackend } from '../../src/engine/backend';
import { Rng } from '../../src/core/random';

/** Plain-JS batched product with numpy broadcasting of a single batch entry, as the reference. */
function reference(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], ta: boolean, tb: boolean): Float32Array {
  const [ba, ra, ca] = aShape;
  const [bb, rb, cb] = bShape;
  const m = ta ? ca : ra;
  const k = ta ? ra : ca;
  const n = tb ? rb : cb;
  const batch = Math.max(ba, bb);
  const out = new Float32Array(batch * m * n);
  for (let i = 0; i < batch; i++) {
    const ai = ba === 1 ? 0 : i;
    const bi = bb === 1 ? 0 : i;
    for (let r = 0; r < m; r++)
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let j = 0; j < k; j++) {
          const av = ta ? a[ai * ra * ca + j * ca + r] : a[ai * ra * ca + r * ca + j];
          const bv = tb ? b[bi * rb * cb + c * cb + j] : b[bi * rb * cb + j * cb + c];
          s += av * bv;
        }
        out[i * m * n + r * n + c] = s;
      }
  }
  return out;
}

const rng = new Rng(7);
const randn = (size: number) => Float32Array.from({ length: size }, () => rng.normal());

describe('wasm BatchMatMul rewrite', () => {
  before(async () => {
    const started = await startBackend('wasm');
    assert.equal(started.name, 'wasm');
  });

  const cases: { name: string; a: number[]; b: number[]; ta?: boolean; tb?: boolean }[] = [
    { name: 'transposed right operand (dx = dy·Wᵀ)', a: [1, 40, 48], b: [1, 36, 48], tb: true },
    { name: 'transposed left operand (dW = xᵀ·dy)', a: [1, 48, 40], b: [1, 48, 36], ta: true },
    { name: 'both transposed', a: [1, 48, 40], b: [1, 36, 48], ta: true, tb: true },
    { name: 'a batch times one matrix', a: [6, 40, 48], b: [1, 48, 36] },
    { name: 'one matrix times a batch', a: [1, 40, 48], b: [5, 48, 36] },
    { name: 'one matrix times a transposed batch', a: [1, 40, 48], b: [5, 36, 48], tb: true },
    { name: 'batch times batch (per-entry XNNPACK)', a: [4, 40, 48], b: [4, 48, 36] },
    { name: 'batch times transposed batch (attention scores)', a: [4, 40, 48], b: [4, 36, 48], tb: true },
    { name: 'transposed batch times batch (dK of attention)', a: [4, 48, 40], b: [4, 48, 36], ta: true },
    { name: 'transposed square batch times a narrow batch (dV = Pᵀ·dO of attention)', a: [3, 64, 64], b: [3, 64, 8], ta: true },
    { name: 'tiny batch times batch (left to the original kernel)', a: [3, 4, 5], b: [3, 5, 6] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const av = randn(c.a.reduce((x, y) => x * y));
      const bv = randn(c.b.reduce((x, y) => x * y));
      const expected = reference(av, c.a, bv, c.b, !!c.ta, !!c.tb);
      const before = tf.memory().numTensors;
      const dataBefore = tf.engine().backend.numDataIds();
      const got = tf.tidy(() =>
        tf.matMul(tf.tensor3d(av, c.a as [number, number, number]), tf.tensor3d(bv, c.b as [number, number, number]), c.ta, c.tb),
      );
      const values = got.dataSync();
      assert.equal(values.length, expected.length);
      let worst = 0;
      for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i] - expected[i]) / (1 + Math.abs(expected[i])));
      assert.ok(worst < 1e-5, `max relative error ${worst}`);
      got.dispose();
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
      assert.equal(tf.engine().backend.numDataIds(), dataBefore, 'wasm buffers leaked');
    });
  }

  it('keeps rank-4 batch shapes with a transposed left operand (dV = Pᵀ·dO of (B, H, T, T) and (B, H, T, d))', () => {
    const av = randn(2 * 3 * 40 * 40);
    const bv = randn(2 * 3 * 40 * 8);
    const got = tf.tidy(() => tf.matMul(tf.tensor4d(av, [2, 3, 40, 40]), tf.tensor4d(bv, [2, 3, 40, 8]), true, false));
    assert.deepEqual(got.shape, [2, 3, 40, 8]);
    const expected = reference(av, [6, 40, 40], bv, [6, 40, 8], true, false);
    const values = got.dataSync();
    for (let i = 0; i < values.length; i++) assert.ok(Math.abs(values[i] - expected[i]) < 1e-4);
    got.dispose();
  });

  it('keeps rank-4 batch shapes (B, H, T, d) and matches the reference', () => {
    const av = randn(2 * 3 * 20 * 16);
    const bv = randn(2 * 3 * 20 * 16);
    const got = tf.tidy(() => tf.matMul(tf.tensor4d(av, [2, 3, 20, 16]), tf.tensor4d(bv, [2, 3, 20, 16]), false, true));
    assert.deepEqual(got.shape, [2, 3, 20, 20]);
    const expected = reference(av, [6, 20, 16], bv, [6, 20, 16], false, true);
    const values = got.dataSync();
    for (let i = 0; i < values.length; i++) assert.ok(Math.abs(values[i] - expected[i]) < 1e-4);
    got.dispose();
  });

  const sliceCases: { shape: number[]; begin: number[]; size: number[] }[] = [
    { shape: [1000], begin: [123], size: [456] },
    { shape: [7, 9], begin: [2, 3], size: [4, 5] },
    { shape: [5, 6, 7], begin: [1, 0, 2], size: [3, 6, 4] },
    { shape: [3, 4, 5, 6], begin: [1, 1, 0, 3], size: [2, 2, 5, 3] },
    { shape: [2, 3, 4, 5, 6], begin: [0, 1, 1, 2, 0], size: [2, 2, 3, 2, 6] },
  ];
  for (const c of sliceCases) {
    it(`slices a rank-${c.shape.length} box like a plain-JS loop`, () => {
      const size = c.shape.reduce((x, y) => x * y);
      const values = Int32Array.from({ length: size }, (_, i) => i);
      const expected: number[] = [];
      const strides = c.shape.map((_, d) => c.shape.slice(d + 1).reduce((x, y) => x * y, 1));
      const walk = (d: number, offset: number): void => {
        for (let i = c.begin[d]; i < c.begin[d] + c.size[d]; i++) {
          if (d === c.shape.length - 1) expected.push(offset + i * strides[d]);
          else walk(d + 1, offset + i * strides[d]);
        }
      };
      walk(0, 0);
      const dataBefore = tf.engine().backend.numDataIds();
      const x = tf.tensor(values, c.shape, 'int32');
      const got = tf.slice(x, c.begin, c.size);
      assert.deepEqual(got.shape, c.size);
      assert.deepEqual(Array.from(got.dataSync()), expected);
      tf.dispose([x, got]);
      assert.equal(tf.engine().backend.numDataIds(), dataBefore, 'wasm buffers leaked');
    });
  }

  it('clones by sharing the buffer: values survive the source, the buffer is freed with the last reference', () => {
    const values = randn(64);
    const buffersBefore = tf.engine().backend.numDataIds();
    const x = tf.tensor2d(values, [8, 8]);
    const copy = tf.clone(x);
    assert.equal(tf.engine().backend.numDataIds(), buffersBefore + 1, 'the clone shares the source buffer');
    x.dispose();
    assert.deepEqual(Array.from(copy.dataSync()), Array.from(values));
    copy.dispose();
    assert.equal(tf.engine().backend.numDataIds(), buffersBefore, 'the shared buffer is released with its last tensor');
  });

  it('keeps a clone of a variable unchanged when the variable is assigned', () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const before = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    assert.deepEqual(Array.from(before.dataSync()), [1, 2, 3]);
    assert.deepEqual(Array.from(v.dataSync()), [7, 8, 9]);
    tf.dispose([v, before]);
  });

  it('splits a flat vector into parameter-sized parts in order', () => {
    const sizes = [5, 1, 17, 3, 30];
    const values = randn(56);
    const parts = tf.split(tf.tensor1d(values), sizes);
    let offset = 0;
    parts.forEach((p, i) => {
      assert.deepEqual(Array.from(p.dataSync()), Array.from(values.subarray(offset, offset + sizes[i])));
      offset += sizes[i];
    });
    tf.dispose(parts);
  });

  it('gives matMul gradients equal to the analytic ones', () => {
    const x = tf.tensor2d(randn(30 * 20), [30, 20]);
    const w = tf.tensor2d(randn(20 * 10), [20, 10]);
    const dy = tf.tensor2d(randn(30 * 10), [30, 10]);
    const [gx, gw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.matMul(xx, ww), dy)))([x, w]);
    // d/dx Σ (xW)∘dy = dy·Wᵀ, d/dW = xᵀ·dy, computed here in plain JS.
    const ex = reference(dy.dataSync() as Float32Array, [1, 30, 10], w.dataSync() as Float32Array, [1, 20, 10], false, true);
    const ew = reference(x.dataSync() as Float32Array, [1, 30, 20], dy.dataSync() as Float32Array, [1, 30, 10], true, false);
    gx.dataSync().forEach((v, i) => assert.ok(Math.abs(v - ex[i]) < 1e-4));
    gw.dataSync().forEach((v, i) => assert.ok(Math.abs(v - ew[i]) < 1e-4));
    tf.dispose([x, w, dy, gx, gw]);
  });
});
