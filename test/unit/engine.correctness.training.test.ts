/**
 * Short runs with the real trainer (src/engine/train: AdamW, µP learning rates) lower the loss, for every family
 * on every task.
 *
 * - language-model and forecast: training on the task's stream lowers the validation loss of its fixed evaluation
 *   set (a repetitive text and two smooth series are learnable in a few dozen steps).
 * - icl-regression: in-context learning emerges only after hundreds of steps even at this size (measured: dense,
 *   D 16, 100 steps at lr 1e-2 takes the validation MSE from 0.94 to 0.85), too long for a unit test, so the run
 *   trains on one fixed batch of prompts and must fit it: a check that gradients reach every part of the model
 *   through the ICL read-in, masked loss and read-out, not of in-context learning itself.
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
import { Trainer } from '../../src/engine/train/trainer';
import type { Batch, Task } from '../../src/engine/types';

tf.setBackend('cpu');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbtc-training-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
fs.writeFileSync(path.join(dir, 'text.txt'), 'the quick brown fox jumps over the lazy dog. '.repeat(40));
fs.writeFileSync(
  path.join(dir, 'series.csv'),
  ['date,a,OT', ...Array.from({ length: 300 }, (_, r) => `${r},${Math.sin(r / 3)},${Math.cos(r / 5)}`)].join('\n'),
);

const families: Record<string, object> = {
  dense: { kind: 'dense' },
  'sliding-window': { kind: 'sliding-window', window: 3 },
  'global-local': { kind: 'global-local', window: 3, split: [4, 4] },
  mlr: { kind: 'mlr', ranks: [4, 2, 2], normalize: 'coverage' },
  'bilinear-mlr': { kind: 'bilinear-mlr', ranks: [4, 2, 2] },
  'bilinear-btt': { kind: 'bilinear-btt' },
  mlbtc: { kind: 'mlbtc', preset: 'kronecker' },
};

const tasks: Record<string, object> = {
  'icl-regression': { kind: 'icl-regression', inputDim: 2 },
  'language-model': { kind: 'language-model', vocabSize: 32, data: 'text.txt' },
  forecast: { kind: 'forecast', data: 'series.csv', channels: 2, lookback: 6, horizon: 2, split: [0.7, 0.1, 0.2] },
};

function spec(task: object, attention: object): ResolvedSpec {
  return resolveSpec({
    name: 'training',
    task,
    model: { width: 16, heads: 2, layers: 1, seqLen: 8 },
    attention,
    // µP base width = D: every matrix trains at lr itself, as a small model wants.
    training: { lr: 1e-2, warmupSteps: 0, batchSize: 8, evalBatches: 2, mupBaseWidth: 16 },
  } as unknown as StructureSpec);
}

/** The task with its stream replaced by copies of one batch. */
function fixedBatchTask(task: Task): Task {
  const batch = task.nextBatch(1);
  const copy = (b: Batch): Batch => ({
    inputs: b.inputs.clone(),
    targets: b.targets.clone(),
    ...(b.mask ? { mask: b.mask.clone() } : {}),
    tokens: b.tokens,
  });
  return {
    ...task,
    nextBatch: () => copy(batch),
    evaluate: task.evaluate.bind(task),
    state: task.state.bind(task),
    restore: task.restore.bind(task),
    describe: task.describe.bind(task),
  };
}

for (const [taskName, taskSpec] of Object.entries(tasks)) {
  for (const [family, attention] of Object.entries(families)) {
    test(`${taskName}, ${family}: a short run lowers the loss`, async () => {
      const resolved = spec(taskSpec, attention);
      const model = buildModel(resolved, new Rng(1));
      const task = createTask({ spec: resolved, specDir: dir, rng: new Rng(2) });
      if (taskName === 'icl-regression') {
        const trainer = new Trainer(model, fixedBatchTask(task), resolved.training);
        const losses: number[] = [];
        for (let step = 1; step <= 25; step++) losses.push((await trainer.step(step)).loss);
        assert.ok(losses[24]! < 0.5 * losses[0]!, `fixed-batch loss ${losses[0]} → ${losses[24]}`);
        trainer.dispose();
      } else {
        const trainer = new Trainer(model, task, resolved.training);
        const before = (await trainer.evaluate(0))['val.loss']!;
        for (let step = 1; step <= 25; step++) await trainer.step(step);
        const after = (await trainer.evaluate(25))['val.loss']!;
        assert.ok(after < 0.6 * before, `validation loss ${before} → ${after}`);
        trainer.dispose();
      }
      model.dispose();
    });
  }
}
