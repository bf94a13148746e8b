/**
 * Backpropagation through every family, with QK-norm and the weight clamp ON (the paths the logits test turns off),
 * and through each task head: tfjs gradients of the loss match central finite differences.
 *
 * Float32 forces care: the difference quotient uses Richardson extrapolation, (4·D(h/2) − D(h))/3, whose truncation
 * error is O(h⁴), with a step of 1% of the tensor's RMS (embeddings are ~0.02, gains ~1: one absolute step would be
 * far outside the linear regime of the first or lost in float32 round-off, ≈ 1e-7·loss/h, for the second).
 * Zero-initialised projections are filled with random values first (at µP init they would zero most gradients), and
 * 3-D structured weights are scaled by 1.5 so the RMS clamp sits clearly on its active branch rather than on its kink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../src/core/random';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { buildModel } from '../../src/engine/model';
import { createTask } from '../../src/engine/tasks';
import type { Batch, Model } from '../../src/engine/types';

tf.setBackend('cpu');

/** Finite-difference step relative to the tensor's RMS. */
const RELATIVE_STEP = 1e-2;

function spec(task: object, attention: object, seqLen: number): ResolvedSpec {
  return resolveSpec({
    name: 'gradients',
    task,
    model: { width: 16, heads: 2, layers: 1, seqLen, mlpRatio: 2 },
    attention,
    training: { batchSize: 3 },
  } as unknown as StructureSpec);
}

/** Random non-degenerate parameters (see the file comment). */
function randomise(model: Model, rng: Rng): void {
  for (const p of model.params) {
    const values = p.variable.dataSync().slice() as Float32Array;
    const shape = p.variable.shape;
    if (shape.length === 1) for (let i = 0; i < values.length; i++) values[i] = 1 + 0.2 * rng.normal();
    else if (values.every((v) => v === 0)) for (let i = 0; i < values.length; i++) values[i] = rng.normal() / Math.sqrt(shape[0]!);
    else if (shape.length === 3) for (let i = 0; i < values.length; i++) values[i] = 1.5 * values[i]!;
    p.variable.assign(tf.tensor(values, shape));
  }
}

function lossValue(model: Model, batch: Batch): number {
  return tf.tidy(() => model.loss(batch).dataSync()[0]!);
}

/** Central difference at entry `index` of `variable` with step h. */
function centralDifference(model: Model, batch: Batch, variable: tf.Variable, index: number, h: number): number {
  const original = variable.dataSync().slice() as Float32Array;
  const at = (delta: number) => {
    const values = original.slice();
    values[index] = original[index]! + delta;
    variable.assign(tf.tensor(values, variable.shape));
    return lossValue(model, batch);
  };
  const d = (at(h) - at(-h)) / (2 * h);
  variable.assign(tf.tensor(original, variable.shape));
  return d;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbtc-gradients-'));
process.on('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }));
fs.writeFileSync(path.join(dataDir, 'text.txt'), 'the quick brown fox jumps over the lazy dog\n'.repeat(4));
fs.writeFileSync(
  path.join(dataDir, 'series.csv'),
  ['date,a,b', ...Array.from({ length: 60 }, (_, r) => `${r},${Math.sin(r / 3)},${Math.cos(r / 5) + r / 60}`)].join('\n'),
);

function checkGradients(label: string, task: object, attention: object, seqLen: number): void {
  test(`${label}: gradients match finite differences`, () => {
    const resolved = spec(task, attention, seqLen);
    const model = buildModel(resolved, new Rng(4));
    randomise(model, new Rng(5));
    const batch = createTask({ spec: resolved, specDir: dataDir, rng: new Rng(6) }).nextBatch(0);
    const { grads, value } = tf.variableGrads(
      () => model.loss(batch),
      model.params.map((p) => p.variable),
    );
    value.dispose();
    const rng = new Rng(7);
    let checked = 0;
    for (const p of model.params) {
      const g = grads[p.variable.name]!.dataSync() as Float32Array;
      const values = p.variable.dataSync() as Float32Array;
      const h = RELATIVE_STEP * Math.sqrt(values.reduce((a, v) => a + v * v, 0) / values.length);
      // The entry with the largest gradient (a meaningful comparison) and one at random.
      const largest = g.reduce((best, v, i) => (Math.abs(v) > Math.abs(g[best]!) ? i : best), 0);
      for (const index of new Set([largest, rng.int(g.length)])) {
        const richardson =
          (4 * centralDifference(model, batch, p.variable, index, h / 2) - centralDifference(model, batch, p.variable, index, h)) / 3;
        const tolerance = 2e-3 * Math.abs(g[largest]!) + 2e-4;
        assert.ok(
          Math.abs(richardson - g[index]!) <= tolerance,
          `${label}: ${p.name}[${index}]: tf gradient ${g[index]}, finite difference ${richardson} (tolerance ${tolerance.toExponential(1)})`,
        );
        checked++;
      }
    }
    assert.ok(checked >= model.params.length, 'every parameter tensor was checked');
    tf.dispose(Object.values(grads));
    tf.dispose([batch.inputs, batch.targets, ...(batch.mask ? [batch.mask] : [])]);
    model.dispose();
  });
}

const icl = { kind: 'icl-regression', inputDim: 2 };
const families: Record<string, object> = {
  dense: { kind: 'dense' },
  'sliding-window': { kind: 'sliding-window', window: 2 },
  'global-local': { kind: 'global-local', window: 2, split: [5, 3] },
  'mlr (coverage)': { kind: 'mlr', ranks: [4, 2, 2], normalize: 'coverage' },
  'bilinear-mlr (clamped)': { kind: 'bilinear-mlr', ranks: [4, 2, 2] },
  'bilinear-btt (clamped, s = 2)': { kind: 'bilinear-btt', rank: 2 },
  'mlbtc (two levels incl. Kronecker)': {
    kind: 'mlbtc',
    levels: [
      { blocks: 1, out: [4, 4], in: [2, 8], rank: 2 },
      { blocks: 2, out: [2, 4], in: [4, 2], rank: 1, kronecker: true },
    ],
  },
  'head groups': [
    { heads: 1, kind: 'mlr', ranks: [6, 2] },
    { heads: 1, kind: 'mlbtc', preset: 'btt' },
  ],
};
for (const [label, attention] of Object.entries(families)) checkGradients(`icl-regression, ${label}`, icl, attention, 8);
checkGradients(
  'language-model head (one-hot embedding, cross-entropy), mlr',
  { kind: 'language-model', vocabSize: 30, data: 'text.txt' },
  families['mlr (coverage)']!,
  8,
);
checkGradients(
  'forecast head (placeholders, horizon read-out), bilinear-btt',
  { kind: 'forecast', data: 'series.csv', target: 'b', channels: 2, lookback: 5, horizon: 3, split: [0.6, 0.2, 0.2] },
  families['bilinear-btt (clamped, s = 2)']!,
  8,
);
