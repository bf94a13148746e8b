/**
 * The in-context regression task: the curriculum schedule of §5.1, prompt structure (x ~ N(0, I/d_cur) with zeroed
 * tail, ỹ tokens, y = xᵀw exactly), the loss mask, determinism and resume, and the evaluation metrics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../src/core/random';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { createTask } from '../../src/engine/tasks';
import { IclRegressionTask, curriculumAfter, excessLossBaseline } from '../../src/engine/tasks/iclRegression';
import type { Model } from '../../src/engine/types';

tf.setBackend('cpu');

function iclSpec(inputDim: number, task: object = {}, training: object = {}): ResolvedSpec {
  return resolveSpec({
    name: 'icl',
    task: { kind: 'icl-regression', inputDim, ...task },
    model: { width: 16, heads: 2, layers: 1, seqLen: 4 * inputDim },
    attention: { kind: 'dense' },
    training: { batchSize: 8, evalBatches: 3, ...training },
  } as unknown as StructureSpec);
}

function icl(spec: ResolvedSpec) {
  if (spec.task.kind !== 'icl-regression') throw new Error('not icl');
  return spec.task;
}

test('curriculum reaches full size when §5.1’s table says (16 → after 24k steps, 32 → 28k, 64 → 30k)', () => {
  const firstFull = (inputDim: number) => {
    const task = icl(iclSpec(inputDim));
    for (let step = 0; ; step += 1000) {
      const c = curriculumAfter(task, step);
      if (c.dims === inputDim && c.points === 2 * inputDim) return step;
    }
  };
  assert.equal(firstFull(16), 24000);
  assert.equal(firstFull(32), 28000);
  assert.equal(firstFull(64), 30000);
  const t16 = icl(iclSpec(16));
  assert.deepEqual(curriculumAfter(t16, 0), { dims: 4, points: 8 });
  assert.deepEqual(curriculumAfter(t16, 1999), { dims: 4, points: 8 });
  assert.deepEqual(curriculumAfter(t16, 2000), { dims: 5, points: 10 });
  assert.deepEqual(curriculumAfter(t16, 10 ** 6), { dims: 16, points: 32 }, 'clamped at inputDim and 2·inputDim');
  const custom = icl(iclSpec(8, { curriculum: { startDims: 2, startPoints: 3, interval: 10, dimsIncrement: 3 } }));
  assert.deepEqual(curriculumAfter(custom, 25), { dims: 8, points: 15 });
});

test('training step s (1-based) draws its batch after s − 1 curriculum updates', () => {
  const spec = iclSpec(4, { curriculum: { startDims: 2, startPoints: 4, interval: 10, dimsIncrement: 1 } });
  const task = new IclRegressionTask(spec, new Rng(0));
  const activeDims = (step: number) => {
    const b = task.nextBatch(step);
    const x = b.inputs.arraySync() as number[][][];
    const active = Math.max(...x.flatMap((prompt) => prompt.filter((_, t) => t % 2 === 0).map((xi) => xi.filter((v) => v !== 0).length)));
    const points = (b.mask!.arraySync() as number[][])[0]!.reduce((a, m) => a + m, 0);
    tf.dispose([b.inputs, b.targets, b.mask!]);
    return [active, points];
  };
  assert.deepEqual(activeDims(1), [2, 4]);
  assert.deepEqual(activeDims(10), [2, 4]);
  assert.deepEqual(activeDims(11), [3, 6]);
});

test('excess-loss baseline Σ_{i<N} max(d − i, 0)/N', () => {
  assert.equal(excessLossBaseline(4, 8), (4 + 3 + 2 + 1) / 8);
  assert.equal(excessLossBaseline(3, 2), (3 + 2) / 2);
});

/** Solve A w = y (n×n) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], y: number[]): number[] {
  const n = y.length;
  const m = a.map((row, i) => [...row, y[i]!]);
  for (let c = 0; c < n; c++) {
    const p = m.slice(c).reduce((best, row, i) => (Math.abs(row[c]!) > Math.abs(m[best]![c]!) ? c + i : best), c);
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

test('prompts: interleaved (x, ỹ) tokens, x ~ N(0, I/d_cur) on the active dims, y = xᵀw, mask on the active points', () => {
  const spec = iclSpec(6, { curriculum: { startDims: 3, startPoints: 5, interval: 100, dimsIncrement: 1 } }, { batchSize: 64 });
  const task = new IclRegressionTask(spec, new Rng(2));
  const batch = task.nextBatch(101); // the 101st step comes after 100 curriculum updates: 4 dims, 7 points
  const d = 6;
  const n = 12;
  assert.deepEqual(batch.inputs.shape, [64, 24, d]);
  assert.deepEqual(batch.targets.shape, [64, n]);
  assert.equal(batch.tokens, 64 * 24);
  const x = batch.inputs.arraySync() as number[][][];
  const y = batch.targets.arraySync() as number[][];
  const mask = batch.mask!.arraySync() as number[][];
  let sumSq = 0;
  let count = 0;
  for (let b = 0; b < 64; b++) {
    assert.deepEqual(
      mask[b],
      Array.from({ length: n }, (_, i) => (i < 7 ? 1 : 0)),
    );
    for (let i = 0; i < n; i++) {
      const xi = x[b]![2 * i]!;
      const yi = x[b]![2 * i + 1]!;
      assert.deepEqual(xi.slice(4), [0, 0], 'coordinates beyond d_cur are zero');
      assert.deepEqual(yi.slice(1), [0, 0, 0, 0, 0], 'ỹ = (y, 0, …, 0)');
      assert.equal(yi[0], y[b]![i], 'the ỹ token carries the target');
      for (const v of xi.slice(0, 4)) {
        sumSq += v * v;
        count++;
      }
    }
    // y = xᵀw with one w per prompt: w from the first 4 points predicts the other 8 exactly (noise 0).
    const w = solve(
      [0, 1, 2, 3].map((i) => x[b]![2 * i]!.slice(0, 4)),
      [0, 1, 2, 3].map((i) => y[b]![i]!),
    );
    for (let i = 4; i < n; i++) {
      const predicted = x[b]![2 * i]!.slice(0, 4).reduce((s, v, k) => s + v * w[k]!, 0);
      assert.ok(Math.abs(predicted - y[b]![i]!) < 1e-3 * (1 + Math.abs(y[b]![i]!)), `prompt ${b} point ${i}: y is linear in x`);
    }
  }
  // E[x²] = 1/d_cur = 0.25; 64·12·4 = 3072 draws give a standard error of about 0.0064.
  assert.ok(Math.abs(sumSq / count - 0.25) < 0.03, `x variance ${sumSq / count}`);
  tf.dispose([batch.inputs, batch.targets, batch.mask!]);
});

test('noise: y = xᵀw + noise·ε', () => {
  const spec = iclSpec(4, { noise: 0.5, curriculum: { startDims: 4, startPoints: 8 } }, { batchSize: 200 });
  const batch = new IclRegressionTask(spec, new Rng(9)).nextBatch(1);
  const x = batch.inputs.arraySync() as number[][][];
  const y = batch.targets.arraySync() as number[][];
  // The residual of the least-squares fit over 8 points with 4 unknowns has variance noise²·(8 − 4)/8 per point.
  let residual = 0;
  for (let b = 0; b < 200; b++) {
    const rows = Array.from({ length: 8 }, (_, i) => x[b]![2 * i]!.slice(0, 4));
    const ata = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => rows.reduce((s, row) => s + row[r]! * row[c]!, 0)));
    const aty = [0, 1, 2, 3].map((r) => rows.reduce((s, row, i) => s + row[r]! * y[b]![i]!, 0));
    const w = solve(ata, aty);
    rows.forEach((row, i) => (residual += (row.reduce((s, v, k) => s + v * w[k]!, 0) - y[b]![i]!) ** 2));
  }
  const perPoint = residual / (200 * 8);
  assert.ok(Math.abs(perPoint - 0.25 * 0.5) < 0.03, `residual variance ${perPoint}, expected 0.125`);
  tf.dispose([batch.inputs, batch.targets, batch.mask!]);
});

test('batches are deterministic given the seed, and state()/restore() resumes the stream exactly', () => {
  const spec = iclSpec(4);
  const values = (task: ReturnType<typeof createTask>, step: number) => {
    const b = task.nextBatch(step);
    const v = Array.from(b.inputs.dataSync());
    tf.dispose([b.inputs, b.targets, b.mask!]);
    return v;
  };
  const a = createTask({ spec, specDir: '.', rng: new Rng(5) });
  const b = createTask({ spec, specDir: '.', rng: new Rng(5) });
  assert.deepEqual(values(a, 0), values(b, 0));
  const saved = JSON.parse(JSON.stringify(a.state()));
  const next = values(a, 1);
  const resumed = createTask({ spec, specDir: '.', rng: new Rng(123) });
  resumed.restore(saved);
  assert.deepEqual(values(resumed, 1), next);
  assert.notDeepEqual(values(a, 2), next);
});

/** A stand-in model whose predictions come from a function of the inputs. */
function fakeModel(spec: ResolvedSpec, predict: (inputs: tf.Tensor) => tf.Tensor): Model {
  return {
    spec,
    params: [],
    predict,
    loss: () => tf.scalar(0),
    attentionLogits: () => tf.zeros([1, 1, 1, 1]),
    dispose: () => undefined,
  };
}

test('evaluate: a model that reads y from the ỹ tokens scores 0; predicting 0 scores the mean of y² over active points', async () => {
  const spec = iclSpec(4, { curriculum: { startDims: 2, startPoints: 5, interval: 10 } });
  const task = new IclRegressionTask(spec, new Rng(1));
  const step = 10; // evaluated after 10 steps = 10 curriculum updates: 3 dims, 7 points
  // Perfect: the ỹ token after x_i holds y_i, so reading odd tokens' first coordinate gives the targets at x positions.
  const cheat = fakeModel(spec, (inputs) =>
    tf.reshape(tf.slice(tf.reshape(inputs, [inputs.shape[0]!, 8, 2, 4]), [0, 0, 1, 0], [-1, -1, 1, 1]), [-1, 8]),
  );
  const perfect = await task.evaluate(cheat, step);
  assert.equal(perfect['val.loss'], 0);
  assert.equal(perfect['val.lastPointError'], 0);
  assert.equal(perfect['curriculum.dims'], 3);
  assert.equal(perfect['curriculum.points'], 7);

  const zero = await task.evaluate(
    fakeModel(spec, (inputs) => tf.zeros([inputs.shape[0]!, 8])),
    step,
  );
  // Independently: the evaluation prompts are those of a fresh stream seeded with the task's evaluation seed.
  const evalRng = new Rng((task.state() as { evalSeed: number }).evalSeed);
  let sq = 0;
  let last = 0;
  let prompts = 0;
  for (let i = 0; i < spec.training.evalBatches; i++) {
    const b = task.sample(evalRng, spec.training.batchSize, { dims: 3, points: 7 });
    for (const row of b.targets.arraySync() as number[][]) {
      for (let p = 0; p < 7; p++) sq += row[p]! ** 2;
      last += row[6]! ** 2;
      prompts++;
    }
    tf.dispose([b.inputs, b.targets, b.mask!]);
  }
  assert.ok(Math.abs(zero['val.loss']! - sq / (prompts * 7)) < 1e-9);
  assert.ok(Math.abs(zero['val.lastPointError']! - last / prompts) < 1e-9);
  assert.ok(Math.abs(zero['val.excessLoss']! - zero['val.loss']! / ((3 + 2 + 1) / 7)) < 1e-9);
  assert.deepEqual(
    await task.evaluate(
      fakeModel(spec, (inputs) => tf.zeros([inputs.shape[0]!, 8])),
      step,
    ),
    zero,
    'the same evaluation prompts every time',
  );
});

test('describe() names the dimension and curriculum', () => {
  const task = createTask({ spec: iclSpec(16), specDir: '.', rng: new Rng(0) });
  assert.match(task.describe(), /d = 16, 32 points; curriculum from 4 dims \/ 8 points, \+1 \/ \+2 every 2000 steps/);
});
