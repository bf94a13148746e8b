/**
 * Recovery of a run folder damaged by a crash or a full disk: a resume falls back to the newest readable checkpoint
 * (and says so in worker.log), an empty checkpoint folder and a damaged spec.json are named in the error, a torn
 * last metrics line is kept when it is a whole record and reported otherwise. Liveness from the process: a
 * "running" status whose worker is dead or whose pid was reused reads "interrupted" at once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatMetricLine, parseMetricLines, RunFiles, type RunStatus } from '../../src/protocol/run';
import { createRunFolder, listCheckpoints, readRunSpec, readRunStatus, RunFolderWriter } from '../../src/runfolder/runFolder';
import { newestReadableCheckpoint } from '../../src/runfolder/checkpoints';
import { observedState } from '../../src/runfolder/liveness';
import { writeStatus } from '../../src/runfolder/statusFile';
import { runJob } from '../../src/engine/train/job';
import { RunStore } from '../../src/runs/store';
import { tempDir, toyDependencies, toySpec } from './engine.train.fixtures';
import { deadPid } from './runs.helpers';

const training = { steps: 12, batchSize: 8, lr: 0.02, warmupSteps: 3, logEvery: 1, evalEvery: 4, checkpointEvery: 4, seed: 9, gradClip: 1 };

function newRun(steps = training.steps): string {
  const dir = path.join(tempDir('recovery'), 'run');
  createRunFolder(dir, {
    spec: toySpec({ ...training, steps }),
    sourcePath: path.join(tempDir('spec'), 'toy.mlbtc.json'),
    sourceText: '{}',
    overrides: {},
  });
  return dir;
}

/** Interrupted after `step`: the status a killed worker leaves, as a manager marks it. */
function markInterrupted(dir: string): void {
  writeStatus(dir, { ...readRunStatus(dir), state: 'interrupted', pid: null });
}

function largestFile(dir: string): string {
  const files = fs.readdirSync(dir).map((n) => path.join(dir, n));
  return files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
}

describe('resume recovery', () => {
  it('falls back to the newest readable checkpoint when the newest is truncated, and logs it', async () => {
    const full = newRun();
    await runJob({ runDir: full, dependencies: toyDependencies() });
    const reference = parseMetricLines(fs.readFileSync(path.join(full, RunFiles.metrics), 'utf8'));

    const dir = newRun(8); // checkpoints at 4 and 8, then the configured steps grow back to 12
    await runJob({ runDir: dir, dependencies: toyDependencies() });
    const specFile = path.join(dir, RunFiles.spec);
    const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
    spec.spec.training.steps = 12;
    fs.writeFileSync(specFile, JSON.stringify(spec));
    markInterrupted(dir);
    const newest = listCheckpoints(dir).at(-1)!;
    assert.equal(newest.step, 8);
    const victim = largestFile(newest.path);
    fs.truncateSync(victim, Math.floor(fs.statSync(victim).size / 2));

    const final = await runJob({ runDir: dir, resume: true, dependencies: toyDependencies() });
    assert.deepEqual(final, { type: 'finished', step: 12 });
    const log = fs.readFileSync(path.join(dir, RunFiles.log), 'utf8');
    assert.ok(log.includes(`checkpoint unreadable, skipped: ${newest.path}`), log);
    assert.match(log, /resuming from the newest readable checkpoint, .*step-4, instead/);
    // From step 4 the run is the uninterrupted one again: same losses.
    const resumed = parseMetricLines(fs.readFileSync(path.join(dir, RunFiles.metrics), 'utf8'));
    assert.deepEqual(
      resumed.map((r) => [r.kind, r.step, r.kind === 'train' ? r.loss : 0]),
      reference.map((r) => [r.kind, r.step, r.kind === 'train' ? r.loss : 0]),
    );
  });

  it('names an empty checkpoint folder and every unreadable checkpoint when none can be read', async () => {
    const dir = newRun(8);
    await runJob({ runDir: dir, dependencies: toyDependencies() });
    markInterrupted(dir);
    const [older, newest] = listCheckpoints(dir);
    for (const name of fs.readdirSync(newest!.path)) fs.rmSync(path.join(newest!.path, name));
    fs.writeFileSync(path.join(older!.path, 'state.json'), '{"version": 1, "step"');
    const final = await runJob({ runDir: dir, resume: true, dependencies: toyDependencies() });
    assert.equal(final.type, 'failed');
    const message = (final as { message: string }).message;
    assert.ok(message.includes(`${newest!.path} is empty`), message);
    assert.ok(message.includes(`${path.join(older!.path, 'state.json')}: not valid JSON`), message);
    assert.doesNotMatch(message, /^ENOENT/);
  });

  it('chooses without knowing the file format: the runtime reader decides', () => {
    const dir = newRun();
    const writer = new RunFolderWriter(dir);
    for (const step of [4, 8]) writer.saveCheckpoint(step, (tmp) => fs.writeFileSync(path.join(tmp, 'x'), String(step)));
    const warnings: string[] = [];
    const read = (p: string) => {
      if (p.endsWith('step-8')) throw new Error('bad header');
      return fs.readFileSync(path.join(p, 'x'), 'utf8');
    };
    const chosen = newestReadableCheckpoint(dir, read, (m) => warnings.push(m));
    assert.equal(chosen?.step, 4);
    assert.equal(chosen?.value, '4');
    assert.match(warnings[0]!, /step-8: bad header$/);
    assert.equal(
      newestReadableCheckpoint(newRun(), read, () => undefined),
      undefined,
      'no checkpoint: start over',
    );
  });

  it('names spec.json when it is not JSON', () => {
    const dir = newRun();
    fs.writeFileSync(path.join(dir, RunFiles.spec), '{"version": 1, "na');
    assert.throws(
      () => readRunSpec(dir),
      (e: Error) => e.message.startsWith(`${path.join(dir, RunFiles.spec)}: not valid JSON`),
    );
  });

  it('keeps a torn last metrics line that is a whole record, and reports one that is not', () => {
    const record = (step: number) => ({ kind: 'train' as const, step, tokens: step, flops: step, wallMs: step, loss: 1, lr: 0.1 });
    const whole = newRun();
    fs.writeFileSync(path.join(whole, RunFiles.metrics), formatMetricLine(record(1)) + formatMetricLine(record(2)).trimEnd());
    new RunFolderWriter(whole).truncateMetricsAfter(4);
    assert.deepEqual(
      parseMetricLines(fs.readFileSync(path.join(whole, RunFiles.metrics), 'utf8')).map((r) => r.step),
      [1, 2],
    );

    const torn = newRun();
    fs.writeFileSync(path.join(torn, RunFiles.metrics), formatMetricLine(record(1)) + formatMetricLine(record(2)).slice(0, 20));
    new RunFolderWriter(torn).truncateMetricsAfter(4);
    assert.deepEqual(
      parseMetricLines(fs.readFileSync(path.join(torn, RunFiles.metrics), 'utf8')).map((r) => r.step),
      [1],
    );
    assert.match(fs.readFileSync(path.join(torn, RunFiles.log), 'utf8'), /metrics\.jsonl: dropped a torn last line \(20 bytes/);
  });
});

describe('worker liveness from the process', () => {
  const running = (pid: number, heartbeatAgoMs: number): RunStatus => ({
    version: 1,
    state: 'running',
    pid,
    heartbeat: new Date(Date.now() - heartbeatAgoMs).toISOString(),
    backend: 'cpu',
    startedAt: new Date().toISOString(),
    endedAt: null,
    exitReason: null,
    step: 3,
    totalSteps: 10,
  });

  it('reads a fresh "running" status with a dead pid as interrupted, in the store too', () => {
    const dir = newRun();
    const pid = deadPid();
    writeStatus(dir, running(pid, 0));
    assert.equal(observedState(readRunStatus(dir)), 'interrupted');
    assert.equal(new RunStore(path.dirname(dir)).get('run').state, 'interrupted');
  });

  it('reads a pid that started after the last heartbeat as another process (a reused pid)', () => {
    // This test process started moments ago: a heartbeat from 30 s before cannot have been written by it.
    assert.equal(observedState(running(process.pid, 30_000)), 'interrupted');
    assert.equal(observedState(running(process.pid, 0)), 'running');
  });
});
