/**
 * The model uses only ops whose forward kernels and gradients exist on the wasm backend (no gather, einsum,
 * stridedSlice, broadcasting batched matMul): for every family and task head, the loss and every parameter gradient
 * on wasm (started as training starts it, with the engine's kernel fixes) equal those on cpu.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/core/random';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { startBackend } from '../../src/engine/backend';
import { buildModel } from '../../src/engine/model';
import { createTask } from '../../src/engine/tasks';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbtc-wasm-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
fs.writeFileSync(path.join(dir, 'text.txt'), 'to be or not to be, that is the question\n'.repeat(5));
fs.writeFileSync(
  path.join(dir, 'series.csv'),
  ['date,a,OT', ...Array.from({ length: 80 }, (_, r) => `${r},${Math.sin(r / 3)},${Math.cos(r / 5)}`)].join('\n'),
);

const cases: [label: string, task: object, attention: object][] = [
  ['dense, icl', { kind: 'icl-regression', inputDim: 2 }, { kind: 'dense' }],
  ['sliding-window, lm', { kind: 'language-model', vocabSize: 24, data: 'text.txt' }, { kind: 'sliding-window', window: 2 }],
  [
    'global-local, forecast',
    { kind: 'forecast', data: 'series.csv', channels: 2, lookback: 5, horizon: 3, split: [0.6, 0.2, 0.2] },
    { kind: 'global-local', window: 2, split: [5, 3] },
  ],
  ['mlr, lm', { kind: 'language-model', vocabSize: 24, data: 'text.txt' }, { kind: 'mlr', ranks: [4, 2, 2], normalize: 'coverage' }],
  ['bilinear-mlr, icl', { kind: 'icl-regression', inputDim: 2 }, { kind: 'bilinear-mlr', ranks: [4, 2, 2] }],
  ['bilinear-btt, icl', { kind: 'icl-regression', inputDim: 2 }, { kind: 'bilinear-btt', rank: 2 }],
  [
    'mlbtc, lm',
    { kind: 'language-model', vocabSize: 24, data: 'text.txt' },
    {
      kind: 'mlbtc',
      levels: [
        { blocks: 1, out: [4, 4], in: [2, 8], rank: 2 },
        { blocks: 2, out: [2, 4], in: [4, 2], rank: 1, kronecker: true },
      ],
    },
  ],
];

function spec(task: object, attention: object): ResolvedSpec {
  return resolveSpec({
    name: 'wasm',
    task,
    model: { width: 16, heads: 2, layers: 1, seqLen: 8 },
    attention,
    training: { batchSize: 3 },
  } as unknown as StructureSpec);
}

/** Loss and gradients (by parameter name) of a freshly built model and batch on the current backend. */
function lossAndGrads(resolved: ResolvedSpec): { loss: number; grads: Map<string, Float32Array> } {
  const model = buildModel(resolved, new Rng(1));
  // Non-zero output projections, so that every gradient is non-trivial.
  for (const p of model.params)
    if (p.variable.dataSync().every((v) => v === 0)) p.variable.assign(tf.randomNormal(p.variable.shape, 0, 0.1, 'float32', 3));
  const batch = createTask({ spec: resolved, specDir: dir, rng: new Rng(2) }).nextBatch(1);
  const { value, grads } = tf.variableGrads(
    () => model.loss(batch),
    model.params.map((p) => p.variable),
  );
  const result = {
    loss: value.dataSync()[0]!,
    grads: new Map(model.params.map((p) => [p.name, grads[p.variable.name]!.dataSync() as Float32Array])),
  };
  tf.dispose([value, ...Object.values(grads), batch.inputs, batch.targets, ...(batch.mask ? [batch.mask] : [])]);
  model.dispose();
  return result;
}

for (const [label, task, attention] of cases) {
  test(`${label}: loss and gradients on wasm equal cpu`, async () => {
    const resolved = spec(task, attention);
    await startBackend('cpu');
    const cpu = lossAndGrads(resolved);
    await startBackend('wasm');
    const wasm = lossAndGrads(resolved);
    assert.ok(Math.abs(wasm.loss - cpu.loss) <= 1e-5 * Math.max(1, Math.abs(cpu.loss)), `loss ${wasm.loss} vs ${cpu.loss}`);
    for (const [name, g] of cpu.grads) {
      const w = wasm.grads.get(name)!;
      const scale = Math.max(...g.map(Math.abs));
      const diff = Math.max(...g.map((v, i) => Math.abs(v - w[i]!)));
      assert.ok(scale > 0, `${name} has a non-zero gradient`);
      assert.ok(diff <= 1e-4 * scale, `${name}: max gradient difference ${diff} (scale ${scale})`);
    }
  });
}
