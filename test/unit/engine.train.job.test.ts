/**
 * A training job on a run folder: what it writes (spec, status, metrics, log, at most two checkpoints), exact
 * resumption after a stop and after a crash, failures (divergence, bad data) and the real engine end to end.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseMetricLines, RunFiles, type EvalRecord, type TrainRecord } from '../../src/protocol/run';
import type { WorkerToHost } from '../../src/protocol/worker';
import { createRunFolder, listCheckpoints, readRunStatus } from '../../src/runfolder/runFolder';
import { requestStop, stopRequestOf } from '../../src/runfolder/stopRequest';
import { runJob } from '../../src/engine/train/job';
import { startBackend } from '../../src/engine/backend';
import { Trainer } from '../../src/engine/train/trainer';
import { buildModel } from '../../src/engine/model';
import { createTask } from '../../src/engine/tasks';
import { Rng } from '../../src/core/random';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { tempDir, toyDependencies, toySpec } from './engine.train.fixtures';

function newRun(spec: ResolvedSpec, specDir = tempDir('spec')): string {
  const dir = path.join(tempDir('run'), 'run');
  createRunFolder(dir, { spec, sourcePath: path.join(specDir, 'toy.mlbtc.json'), sourceText: '{}', overrides: {} });
  return dir;
}

function metrics(dir: string) {
  const records = parseMetricLines(fs.readFileSync(path.join(dir, RunFiles.metrics), 'utf8'));
  return {
    train: records.filter((r): r is TrainRecord => r.kind === 'train'),
    evals: records.filter((r): r is EvalRecord => r.kind === 'eval'),
  };
}

const training = { steps: 12, batchSize: 8, lr: 0.02, warmupSteps: 3, logEvery: 1, evalEvery: 4, checkpointEvery: 4, seed: 9, gradClip: 1 };

describe('training job', () => {
  it('writes a complete run folder', async () => {
    const spec = toySpec({ ...training, logEvery: 5 });
    const dir = newRun(spec);
    const messages: WorkerToHost[] = [];
    const final = await runJob({ runDir: dir, dependencies: toyDependencies(), emit: (m) => messages.push(m) });
    assert.deepEqual(final, { type: 'finished', step: 12 });

    const status = readRunStatus(dir);
    assert.equal(status.state, 'completed');
    assert.equal(status.step, 12);
    assert.equal(status.backend, 'cpu');
    assert.match(status.runtime ?? '', /^tfjs \d+\.\d+\.\d+ · cpu$/);
    assert.equal(status.pid, process.pid);
    assert.equal(status.exitReason, 'completed 12 steps');
    assert.ok(status.startedAt && status.endedAt && status.heartbeat);

    const { train, evals } = metrics(dir);
    // Every logEvery steps and after the last step; each record averages the losses since the previous one.
    assert.deepEqual(
      train.map((r) => r.step),
      [5, 10, 12],
    );
    assert.deepEqual(
      train.map((r) => r.tokens),
      [40, 80, 96],
    );
    assert.ok(train.every((r) => Number.isFinite(r.loss) && r.lr > 0 && r.wallMs > 0));
    const flopsPerStep = train[0].flops / 5;
    assert.ok(flopsPerStep > 0);
    assert.deepEqual(
      train.map((r) => r.flops),
      [5, 10, 12].map((s) => s * flopsPerStep),
    );
    assert.deepEqual(
      evals.map((r) => r.step),
      [4, 8, 12],
    );
    assert.ok(evals.every((r) => typeof r['val.loss'] === 'number'));

    assert.deepEqual(
      listCheckpoints(dir).map((c) => c.step),
      [8, 12],
      'at most two checkpoints are kept',
    );
    const kinds = messages.map((m) => m.type);
    assert.equal(kinds[0] === 'log' ? kinds.find((k) => k !== 'log') : kinds[0], 'started');
    assert.equal(kinds.at(-1), 'finished');
    assert.equal(messages.filter((m) => m.type === 'checkpoint').length, 3);
    assert.match(fs.readFileSync(path.join(dir, RunFiles.log), 'utf8'), /backend cpu \(JavaScript\)[\s\S]*completed 12 steps/);
  });

  it('resumes after a stop with exactly the losses of an uninterrupted run', async () => {
    const spec = toySpec(training);
    const straight = newRun(spec);
    await runJob({ runDir: straight, dependencies: toyDependencies() });

    const stopped = newRun(spec);
    let seen = 0;
    const first = await runJob({
      runDir: stopped,
      dependencies: toyDependencies(),
      emit: (m) => {
        if (m.type === 'metrics') seen = m.step;
      },
      stopRequested: () => (seen >= 5 ? 'test stop' : null),
    });
    assert.deepEqual(first, { type: 'cancelled', step: 5 });
    assert.equal(readRunStatus(stopped).state, 'cancelled');
    assert.equal(readRunStatus(stopped).exitReason, 'stopped by test stop after step 5');
    assert.equal(listCheckpoints(stopped).at(-1)?.step, 5, 'a stop saves a checkpoint at the step it stopped');

    const second = await runJob({ runDir: stopped, resume: true, dependencies: toyDependencies() });
    assert.deepEqual(second, { type: 'finished', step: 12 });
    const a = metrics(straight);
    const b = metrics(stopped);
    assert.deepEqual(
      b.train.map((r) => r.step),
      a.train.map((r) => r.step),
    );
    assert.deepEqual(
      b.train.map((r) => r.loss),
      a.train.map((r) => r.loss),
    );
    assert.deepEqual(
      b.train.map((r) => [r.tokens, r.flops, r.lr]),
      a.train.map((r) => [r.tokens, r.flops, r.lr]),
    );
    assert.deepEqual(
      b.evals.map((r) => r['val.loss']),
      a.evals.map((r) => r['val.loss']),
    );
  });

  it('stops at a stop request in the run folder as at SIGTERM: checkpoint, cancelled, who asked', async () => {
    const dir = newRun(toySpec(training));
    const final = await runJob({
      runDir: dir,
      dependencies: toyDependencies(),
      emit: (m) => {
        if (m.type === 'metrics' && m.step === 3) requestStop(dir, 'VS Code window (pid 42)');
      },
    });
    assert.deepEqual(final, { type: 'cancelled', step: 3 });
    assert.equal(readRunStatus(dir).exitReason, 'stopped by VS Code window (pid 42) after step 3');
    assert.equal(listCheckpoints(dir).at(-1)?.step, 3);
    assert.equal(stopRequestOf(dir), 'VS Code window (pid 42)', 'kept as a record until the run is queued again');
  });

  it('resumes after a crash from the last checkpoint, dropping the records written after it', async () => {
    const spec = toySpec({ ...training, logEvery: 3 });
    const straight = newRun(spec);
    await runJob({ runDir: straight, dependencies: toyDependencies() });

    const crashed = newRun(spec);
    const failed = await runJob({
      runDir: crashed,
      dependencies: toyDependencies(),
      emit: (m) => {
        if (m.type === 'metrics' && m.step === 6) throw new Error('simulated crash');
      },
    });
    assert.equal(failed.type, 'failed');
    assert.deepEqual(
      metrics(crashed).train.map((r) => r.step),
      [3, 6],
      'the record of step 6 was written before the crash',
    );
    assert.equal(listCheckpoints(crashed).at(-1)?.step, 4);

    await runJob({ runDir: crashed, resume: true, dependencies: toyDependencies() });
    // The mean over steps 4–6 spans the checkpoint at step 4: the pending loss of step 4 travelled in the checkpoint.
    assert.deepEqual(
      metrics(crashed).train,
      metrics(straight).train.map((r, i) => ({ ...r, wallMs: metrics(crashed).train[i].wallMs })),
    );
  });

  it('fails a diverging run with the step, and keeps no checkpoint of it', async () => {
    const dir = newRun(toySpec(training));
    const final = await runJob({ runDir: dir, dependencies: toyDependencies(Infinity) });
    assert.equal(final.type, 'failed');
    assert.match((final as { message: string }).message, /^diverged at step 1 \(loss (NaN|Infinity)\)$/);
    const status = readRunStatus(dir);
    assert.equal(status.state, 'failed');
    assert.match(status.exitReason ?? '', /^diverged at step 1/);
    assert.equal(listCheckpoints(dir).length, 0);
  });

  it('refuses to start a run twice, and to create a run over an existing one', async () => {
    const spec = toySpec(training);
    const dir = newRun(spec);
    await runJob({ runDir: dir, dependencies: toyDependencies() });
    const again = await runJob({ runDir: dir, dependencies: toyDependencies() });
    assert.equal(again.type, 'failed');
    assert.match((again as { message: string }).message, /already completed 12 steps/);
    assert.throws(() => createRunFolder(dir, { spec, sourcePath: 'x', sourceText: '', overrides: {} }), /already holds a run/);
  });
});

describe('training job with the real engine', () => {
  const tiny = (task: StructureSpec['task']): ResolvedSpec =>
    resolveSpec({
      name: 'tiny',
      task,
      model: { width: 16, heads: 2, layers: 1, seqLen: task.kind === 'icl-regression' ? 4 * task.inputDim : 16, mlpRatio: 2 },
      attention: { kind: 'dense', logitScale: 'standard', qkNorm: true },
      training: { steps: 4, batchSize: 4, warmupSteps: 1, logEvery: 2, evalEvery: 4, evalBatches: 1, checkpointEvery: 4, backend: 'cpu' },
    } as StructureSpec);

  it('trains an ICL transformer end to end and records its evaluation', async () => {
    const dir = newRun(tiny({ kind: 'icl-regression', inputDim: 4, noise: 0 }));
    const final = await runJob({ runDir: dir });
    assert.deepEqual(final, { type: 'finished', step: 4 });
    const { train, evals } = metrics(dir);
    assert.deepEqual(
      train.map((r) => r.step),
      [2, 4],
    );
    assert.equal(evals.length, 1);
    assert.ok(
      Object.keys(evals[0]).some((k) => k.includes('.')),
      `eval metrics: ${Object.keys(evals[0])}`,
    );
  });

  it('resumes a transformer on wasm with exactly the losses of an uninterrupted run', async () => {
    const spec = tiny({ kind: 'icl-regression', inputDim: 4, noise: 0 });
    spec.training = { ...spec.training, steps: 6, logEvery: 1, evalEvery: 3, checkpointEvery: 2, backend: 'wasm' };
    const straight = newRun(spec);
    await runJob({ runDir: straight });
    const stopped = newRun(spec);
    let seen = 0;
    const first = await runJob({
      runDir: stopped,
      emit: (m) => void (m.type === 'metrics' && (seen = m.step)),
      stopRequested: () => (seen >= 3 ? 'test' : null),
    });
    assert.deepEqual(first, { type: 'cancelled', step: 3 });
    await runJob({ runDir: stopped, resume: true });
    const losses = (dir: string) => metrics(dir).train.map((r) => r.loss);
    assert.equal(losses(straight).length, 6);
    assert.deepEqual(losses(stopped), losses(straight));
    assert.deepEqual(
      metrics(stopped).evals.map((r) => r['val.loss']),
      metrics(straight).evals.map((r) => r['val.loss']),
    );
  });

  it('keeps the live tensor count of a transformer flat from step to step', async () => {
    await startBackend('cpu');
    const spec = tiny({ kind: 'language-model', vocabSize: 9, data: 'text.txt' });
    const dir = tempDir('lm');
    fs.writeFileSync(path.join(dir, 'text.txt'), 'abcdefgh '.repeat(200));
    const rng = new Rng(1);
    const model = buildModel(spec, rng.fork());
    const trainer = new Trainer(model, createTask({ spec, specDir: dir, rng: rng.fork() }), spec.training);
    await trainer.step(1);
    const live = tf.memory().numTensors;
    for (let s = 2; s <= 4; s++) await trainer.step(s);
    await trainer.evaluate(4);
    assert.equal(tf.memory().numTensors, live);
    trainer.dispose();
    model.dispose();
  });

  it('fails before training on a data error, naming the file', async () => {
    const specDir = tempDir('spec');
    const dir = newRun(tiny({ kind: 'language-model', vocabSize: 8, data: 'missing.txt' }), specDir);
    const final = await runJob({ runDir: dir });
    assert.equal(final.type, 'failed');
    assert.ok(!('step' in final), 'no step ran');
    assert.match(
      (final as { message: string }).message,
      new RegExp(`${path.join(specDir, 'missing.txt').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    assert.equal(readRunStatus(dir).state, 'failed');
  });
});
