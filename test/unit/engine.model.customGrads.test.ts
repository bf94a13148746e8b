/**
 * The hand-written gradients of src/engine/model/ops.ts (LayerNorm, exact GELU) against tfjs autodiff of the plain
 * compositions they replace, written out again here from the formulas: same values forward, and the same
 * vector-Jacobian products backward for a random upstream gradient (a plain sum would only test dy = 1), with respect
 * to every input. Float32 on the cpu backend; relative error = max |ours − autodiff| / max |autodiff| < 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../src/core/random';
import { gelu, layerNorm } from '../../src/engine/model/ops';

tf.setBackend('cpu');

const TOLERANCE = 1e-4;

function randomTensor(rng: Rng, shape: number[], scale: number, offset = 0): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => offset + scale * rng.normal()),
    shape,
  );
}

function relativeError(actual: tf.Tensor, expected: tf.Tensor): number {
  assert.deepEqual(actual.shape, expected.shape);
  const a = actual.dataSync();
  const e = expected.dataSync();
  let diff = 0;
  let size = 0;
  for (let i = 0; i < e.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - e[i]!));
    size = Math.max(size, Math.abs(e[i]!));
  }
  assert.ok(size > 0, 'the reference is all zeros: the comparison would say nothing');
  return diff / size;
}

/** Values and gradients of Σ f(inputs) ⊙ upstream with respect to every input. */
function valueAndGrads(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  upstream: tf.Tensor,
): { value: tf.Tensor; grads: tf.Tensor[] } {
  const value = f(...inputs);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), upstream)))(inputs);
  return { value, grads };
}

function assertSameOp(
  name: string,
  ours: (...xs: tf.Tensor[]) => tf.Tensor,
  plain: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  rng: Rng,
): void {
  tf.tidy(() => {
    const upstream = randomTensor(rng, ours(...inputs).shape, 1);
    const got = valueAndGrads(ours, inputs, upstream);
    const want = valueAndGrads(plain, inputs, upstream);
    const valueError = relativeError(got.value, want.value);
    assert.ok(valueError < TOLERANCE, `${name}: forward relative error ${valueError}`);
    got.grads.forEach((g, i) => {
      const error = relativeError(g, want.grads[i]!);
      assert.ok(error < TOLERANCE, `${name}: gradient of input ${i} (shape ${inputs[i]!.shape}) relative error ${error}`);
    });
  });
}

/** LayerNorm without bias as the plain eight-op composition (the reference's nn.LayerNorm(bias=False), eps 1e-5). */
function plainLayerNorm(x: tf.Tensor, gain: tf.Tensor): tf.Tensor {
  const centered = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.mul(tf.div(centered, tf.sqrt(tf.add(variance, 1e-5))), gain);
}

/** Exact GELU as x·Φ(x) through Erf, differentiated by tfjs. */
function plainGelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.mul(0.5, tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))));
}

test('LayerNorm: custom gradient equals autodiff of the composition, 3-D (trunk) and 4-D (QK-norm per head) inputs', () => {
  const rng = new Rng(7);
  for (const shape of [
    [3, 5, 16],
    [2, 3, 4, 8],
  ]) {
    const features = shape.at(-1)!;
    // A non-zero mean and a spread of scales, so the centring and the variance terms both matter.
    const x = randomTensor(rng, shape, 2, 0.7);
    const gain = randomTensor(rng, [features], 0.5, 1);
    assertSameOp(`layerNorm ${shape}`, (a, g) => layerNorm(a, g as tf.Tensor1D), plainLayerNorm, [x, gain], rng);
  }
});

test('LayerNorm: rows of nearly constant features (variance far below epsilon) keep matching', () => {
  const rng = new Rng(8);
  const x = tf.add(randomTensor(rng, [4, 8], 1e-4), 3);
  const gain = randomTensor(rng, [8], 0.5, 1);
  assertSameOp('layerNorm near-constant rows', (a, g) => layerNorm(a, g as tf.Tensor1D), plainLayerNorm, [x, gain], rng);
});

test('GELU: custom gradient equals autodiff through Erf, over the negative tail, the bend and the linear side', () => {
  const rng = new Rng(9);
  const x = randomTensor(rng, [4, 6, 32], 3);
  assertSameOp('gelu', gelu, plainGelu, [x], rng);
  const known = tf.tensor1d([-6, -2, -0.5, 0, 0.5, 2, 6]);
  assertSameOp('gelu fixed points', gelu, plainGelu, [known], rng);
});

test('GELU: the gradient at known points equals Φ(x) + x·φ(x) computed in double precision', () => {
  const points = [-3, -1, 0, 0.25, 1, 2.5];
  const got = tf.tidy(() =>
    tf
      .grad((x: tf.Tensor) => tf.sum(gelu(x)))(tf.tensor1d(points))
      .dataSync(),
  );
  // Φ from a 64-bit erf series (Abramowitz–Stegun 7.1.26 is too coarse for 1e-6): erf(z) = 2/√π Σ (−1)ⁿ z^(2n+1)/(n!(2n+1)).
  const erf = (z: number): number => {
    let sum = 0;
    let term = z;
    for (let n = 0; n < 60; n++) {
      sum += term / (2 * n + 1);
      term *= (-z * z) / (n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  };
  points.forEach((x, i) => {
    const expected = 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
    assert.ok(Math.abs(got[i]! - expected) < 1e-6, `GELU'(${x}) = ${got[i]}, expected ${expected}`);
  });
});

test('LayerNorm and GELU keep no tensors after the gradient is taken', () => {
  const rng = new Rng(10);
  const x = randomTensor(rng, [2, 3, 8], 1);
  const gain = randomTensor(rng, [8], 0.5, 1);
  const before = tf.memory().numTensors;
  const grads = tf.grads((a: tf.Tensor, g: tf.Tensor) => tf.sum(gelu(layerNorm(a, g as tf.Tensor1D))))([x, gain]);
  assert.equal(tf.memory().numTensors, before + grads.length, 'only the two gradients remain: saved tensors are released');
  tf.dispose(grads);
});
