/**
 * The training path reads tensors only asynchronously, because the webgpu backend cannot read synchronously under
 * Node (a forced webgpu run used to fail at its first evaluation with "OffscreenCanvas is not defined", issue #3).
 *
 * Every synchronous read in tfjs (Tensor.dataSync, arraySync, bufferSync, and the move of a tensor from one backend
 * to another) goes through the engine's readSync. These tests make it throw, and record the attempt, while a real
 * training job runs on cpu for each task kind: optimiser steps (with micro-batches), evaluations, checkpoints, a stop
 * and a resume from the checkpoint. So a synchronous read added anywhere on that path fails here, on a machine
 * without a GPU, instead of on the first webgpu run.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { parseMetricLines, RunFiles, type EvalRecord } from '../../src/protocol/run';
import { createRunFolder, listCheckpoints } from '../../src/runfolder/runFolder';
import { runJob } from '../../src/engine/train/job';
import { tempDir } from './engine.train.fixtures';

/**
 * Run `body` with the engine's synchronous read replaced by one that records its caller and throws; restores it
 * afterwards. Resolves to the recorded attempts (the job may catch the error, so the record is what the tests check).
 */
async function withoutSyncReads(body: () => Promise<void>): Promise<string[]> {
  const engine = tf.engine();
  const readSync = engine.readSync;
  const attempts: string[] = [];
  engine.readSync = () => {
    const where = new Error(
      'synchronous tensor read on the training path (the webgpu backend has none under Node; use await tensor.data())',
    );
    attempts.push(where.stack ?? where.message);
    throw where;
  };
  try {
    await body();
  } finally {
    engine.readSync = readSync;
  }
  return attempts;
}

const root = tempDir('readback');
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
const specDir = path.join(root, 'spec');
fs.mkdirSync(specDir);
fs.writeFileSync(path.join(specDir, 'text.txt'), 'the quick brown fox jumps over the lazy dog. '.repeat(20));
fs.writeFileSync(
  path.join(specDir, 'series.csv'),
  ['date,a,OT', ...Array.from({ length: 200 }, (_, r) => `${r},${Math.sin(r / 3)},${Math.cos(r / 5)}`)].join('\n'),
);

// Task fields left out take their defaults (resolveSpec), as in a spec file.
const tasks: Record<string, object> = {
  'icl-regression': { kind: 'icl-regression', inputDim: 2, noise: 0 },
  'language-model': { kind: 'language-model', vocabSize: 32, data: 'text.txt' },
  forecast: { kind: 'forecast', data: 'series.csv', channels: 2, lookback: 6, horizon: 2, split: [0.7, 0.1, 0.2] },
};

function tinySpec(task: object): ResolvedSpec {
  return resolveSpec({
    name: 'readback',
    task,
    model: { width: 16, heads: 2, layers: 1, seqLen: 8, mlpRatio: 2 },
    attention: { kind: 'mlr', ranks: [4, 2, 2], normalize: 'coverage' },
    training: {
      steps: 4,
      batchSize: 4,
      microBatchSize: 2,
      warmupSteps: 1,
      logEvery: 1,
      evalEvery: 2,
      evalBatches: 2,
      checkpointEvery: 2,
      backend: 'cpu',
    },
  } as unknown as StructureSpec);
}

describe('the training path reads tensors only asynchronously', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('the guard catches dataSync, arraySync and bufferSync, and restores them afterwards', async () => {
    const t = tf.tensor1d([1, 2, 3]);
    const attempts = await withoutSyncReads(async () => {
      assert.throws(() => t.dataSync(), /synchronous tensor read/);
      assert.throws(() => t.arraySync(), /synchronous tensor read/);
      assert.throws(() => t.bufferSync(), /synchronous tensor read/);
      assert.deepEqual(Array.from(await t.data()), [1, 2, 3], 'asynchronous reads still work');
    });
    assert.equal(attempts.length, 3);
    assert.deepEqual(Array.from(t.dataSync()), [1, 2, 3]);
    t.dispose();
  });

  for (const [kind, task] of Object.entries(tasks)) {
    it(`${kind}: steps, evaluations, checkpoints, a stop and a resume`, async () => {
      const runDir = path.join(root, `run-${kind}`);
      createRunFolder(runDir, {
        spec: tinySpec(task),
        sourcePath: path.join(specDir, 'readback.mlbtc.json'),
        sourceText: '{}',
        overrides: {},
      });
      let stepsSeen = 0;
      const finals: unknown[] = [];
      const attempts = await withoutSyncReads(async () => {
        finals.push(
          await runJob({
            runDir,
            emit: (m) => void (m.type === 'metrics' && (stepsSeen = m.step)),
            stopRequested: () => (stepsSeen >= 3 ? 'test' : null),
          }),
        );
        finals.push(await runJob({ runDir, resume: true }));
      });
      assert.deepEqual(attempts, [], 'no synchronous read');
      assert.deepEqual(finals, [
        { type: 'cancelled', step: 3 },
        { type: 'finished', step: 4 },
      ]);
      const evals = parseMetricLines(fs.readFileSync(path.join(runDir, RunFiles.metrics), 'utf8')).filter(
        (r): r is EvalRecord => r.kind === 'eval',
      );
      assert.deepEqual(
        evals.map((r) => r.step),
        [2, 4],
      );
      for (const r of evals) assert.ok(Number.isFinite(r['val.loss']), `val.loss at step ${r.step}: ${r['val.loss']}`);
      assert.deepEqual(
        listCheckpoints(runDir).map((c) => c.step),
        [3, 4],
        'the stop and the last step wrote checkpoints',
      );
    });
  }
});
