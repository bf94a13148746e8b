/**
 * AdamW against an independent float64 re-statement of PyTorch's AdamW + clip_grad_norm_ (written out here per
 * element, per tensor, without the flat-vector machinery of the implementation), and the learning-rate schedule
 * against its definition (§2.5).
 */
import '@tensorflow/tfjs-backend-cpu';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/core/random';
import { AdamW, type AdamWSettings } from '../../src/engine/train/adamw';
import { lrMultiplier } from '../../src/engine/train/schedule';
import type { NamedParam } from '../../src/engine/types';

interface RefTensor {
  p: number[];
  m: number[];
  v: number[];
  lrScale: number;
  decay: boolean;
}

function referenceStep(ts: RefTensor[], grads: number[][], lr: number, t: number, s: AdamWSettings): void {
  let g = grads.map((x) => [...x]);
  if (s.gradClip !== null) {
    const norm = Math.sqrt(g.flat().reduce((a, x) => a + x * x, 0));
    const coef = Math.min(1, s.gradClip / (norm + 1e-6));
    g = g.map((x) => x.map((y) => y * coef));
  }
  ts.forEach((tensor, i) => {
    const lrT = lr * tensor.lrScale;
    for (let e = 0; e < tensor.p.length; e++) {
      if (tensor.decay) tensor.p[e] *= 1 - lrT * s.weightDecay;
      tensor.m[e] = s.beta1 * tensor.m[e] + (1 - s.beta1) * g[i][e];
      tensor.v[e] = s.beta2 * tensor.v[e] + (1 - s.beta2) * g[i][e] ** 2;
      const denom = Math.sqrt(tensor.v[e]) / Math.sqrt(1 - s.beta2 ** t) + s.eps;
      tensor.p[e] -= (lrT / (1 - s.beta1 ** t)) * (tensor.m[e] / denom);
    }
  });
}

describe('AdamW', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const settings of [
    { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, gradClip: 0.5 },
    { beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0, gradClip: null },
  ] satisfies AdamWSettings[]) {
    it(`matches PyTorch's update rule step by step (${JSON.stringify(settings)})`, () => {
      const rng = new Rng(3);
      const shapes = [[3, 4], [5], [2, 2, 2]];
      const scales = [0.25, 1, 3];
      const ref: RefTensor[] = shapes.map((shape, i) => {
        const n = shape.reduce((a, b) => a * b);
        return {
          p: Array.from({ length: n }, () => rng.normal()),
          m: Array(n).fill(0),
          v: Array(n).fill(0),
          lrScale: scales[i],
          decay: shape.length >= 2,
        };
      });
      const params: NamedParam[] = ref.map((r, i) => ({
        name: `p${i}`,
        variable: tf.variable(tf.tensor(r.p, shapes[i])),
        lrScale: r.lrScale,
        decay: r.decay,
      }));
      const opt = new AdamW(params, settings);
      for (let t = 1; t <= 6; t++) {
        const grads = ref.map((r) => r.p.map(() => 2 * rng.normal()));
        const lr = 0.01 * t;
        referenceStep(ref, grads, lr, t, settings);
        tf.tidy(() =>
          opt.apply(
            grads.map((g, i) => tf.tensor(g, shapes[i])),
            lr,
          ),
        );
      }
      params.forEach((p, i) => {
        const got = p.variable.dataSync();
        ref[i].p.forEach((want, e) =>
          assert.ok(Math.abs(got[e] - want) <= 1e-5 * (1 + Math.abs(want)), `${p.name}[${e}]: ${got[e]} vs ${want}`),
        );
      });
      assert.equal(opt.step, 6);
      opt.dispose();
      params.forEach((p) => p.variable.dispose());
    });
  }

  it('decays only the tensors marked decay, and only by lr·lrScale·weightDecay', () => {
    const a = tf.variable(tf.fill([2, 2], 1));
    const b = tf.variable(tf.fill([2], 1));
    const opt = new AdamW(
      [
        { name: 'a', variable: a, lrScale: 2, decay: true },
        { name: 'b', variable: b, lrScale: 2, decay: false },
      ],
      { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.5, gradClip: null },
    );
    // Zero gradients: Adam's step is 0/(0+eps) = 0, so only decoupled decay moves the weights.
    tf.tidy(() => opt.apply([tf.zeros([2, 2]), tf.zeros([2])], 0.1));
    assert.deepEqual(
      Array.from(a.dataSync()),
      [0.9, 0.9, 0.9, 0.9].map((x) => Math.fround(x)),
    );
    assert.deepEqual(Array.from(b.dataSync()), [1, 1]);
    opt.dispose();
    tf.dispose([a, b]);
  });

  it('treats a missing gradient as zero and round-trips its state', async () => {
    const a = tf.variable(tf.tensor1d([1, 2, 3]));
    const b = tf.variable(tf.tensor1d([4]));
    const settings = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, gradClip: 1 };
    const opt = new AdamW(
      [
        { name: 'a', variable: a, lrScale: 1, decay: false },
        { name: 'b', variable: b, lrScale: 1, decay: false },
      ],
      settings,
    );
    tf.tidy(() => opt.apply([tf.tensor1d([1, -1, 0.5]), undefined], 0.1));
    assert.equal(b.dataSync()[0], 4);
    const state = await opt.getState();
    assert.equal(state.step, 1);
    assert.equal(state.m[3], 0);
    const copy = new AdamW(
      [
        { name: 'a', variable: a, lrScale: 1, decay: false },
        { name: 'b', variable: b, lrScale: 1, decay: false },
      ],
      settings,
    );
    copy.setState(state);
    assert.deepEqual(await copy.getState(), state);
    assert.throws(
      () => copy.setState({ step: 1, m: new Float32Array(2), v: new Float32Array(2) }),
      /holds 2 moments, the model has 4 parameters/,
    );
    opt.dispose();
    copy.dispose();
    tf.dispose([a, b]);
  });
});

describe('learning-rate schedule', () => {
  const base = { steps: 100, warmupSteps: 10, minLrRatio: 0.1 };

  it('warms up linearly from 1/warmup at step 1 to 1 at the last warm-up step, as the reference counts', () => {
    const s = { ...base, schedule: 'constant' as const };
    assert.equal(lrMultiplier(1, s), 0.1);
    assert.equal(lrMultiplier(5, s), 0.5);
    assert.equal(lrMultiplier(10, s), 1);
    assert.equal(lrMultiplier(11, s), 1);
    assert.equal(lrMultiplier(100, s), 1);
  });

  it('decays along a half cosine to minLrRatio at the last step', () => {
    const s = { ...base, schedule: 'cosine' as const };
    assert.equal(lrMultiplier(10, s), 1);
    // Halfway through the 90 decay steps: the cosine is 0, the multiplier halfway between 1 and 0.1.
    assert.ok(Math.abs(lrMultiplier(55, s) - 0.55) < 1e-12);
    assert.ok(Math.abs(lrMultiplier(100, s) - 0.1) < 1e-12);
    assert.ok(lrMultiplier(30, s) > lrMultiplier(31, s));
  });

  it('uses the full rate from step 1 without warm-up', () => {
    assert.equal(lrMultiplier(1, { ...base, warmupSteps: 0, schedule: 'constant' }), 1);
  });
});
