/**
 * The built worker (dist/worker.js, bundled here into a temp folder with its wasm binaries) as a process: the IPC
 * protocol from start to finished; SIGTERM mid-run leaving a checkpoint and a cancelled, resumable run folder; the
 * command-line start used by detached runs; a bad invocation.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, fork, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { createRunFolder, listCheckpoints, readRunStatus } from '../../src/runfolder/runFolder';
import { parseMetricLines, RunFiles } from '../../src/protocol/run';
import { asWorkerToHost, type HostToWorker, type WorkerToHost } from '../../src/protocol/worker';
import { tempDir } from './engine.train.fixtures';

const root = path.resolve(__dirname, '../..');
let worker = '';

function newRun(steps: number, backend: 'cpu' | 'wasm'): string {
  const spec = resolveSpec({
    name: 'tiny',
    task: { kind: 'icl-regression', inputDim: 4, noise: 0 },
    model: { width: 16, heads: 2, layers: 1, seqLen: 16, mlpRatio: 2 },
    attention: { kind: 'dense', logitScale: 'standard', qkNorm: true },
    training: { steps, batchSize: 4, warmupSteps: 1, logEvery: 1, evalEvery: 1000, evalBatches: 1, checkpointEvery: 1000, backend },
  } as StructureSpec);
  const dir = path.join(tempDir('worker'), 'run');
  createRunFolder(dir, { spec, sourcePath: path.join(dir, '..', 'tiny.mlbtc.json'), sourceText: '{}', overrides: {} });
  return dir;
}

/** Fork the worker with an IPC channel, send `start`, collect every message until it exits. */
function runForked(start: HostToWorker, onMessage: (m: WorkerToHost, child: ReturnType<typeof fork>) => void = () => {}) {
  return new Promise<{ code: number | null; messages: WorkerToHost[] }>((resolve, reject) => {
    const child = fork(worker, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const messages: WorkerToHost[] = [];
    child.on('message', (raw) => {
      const m = asWorkerToHost(raw);
      assert.ok(m, `not a worker message: ${JSON.stringify(raw)}`);
      messages.push(m);
      onMessage(m, child);
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, messages }));
    child.send(start);
  });
}

describe('worker process', () => {
  before(() => {
    const out = tempDir('worker-build');
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--only=worker', `--outdir=${out}`], {
      cwd: root,
      stdio: 'pipe',
    });
    worker = path.join(out, 'worker.js');
    assert.ok(fs.existsSync(path.join(out, 'tfjs-backend-wasm-simd.wasm')), 'the build puts the wasm binaries beside the worker');
  });

  it('trains a run sent over IPC and reports started, metrics, checkpoint and finished', async () => {
    const dir = newRun(3, 'wasm');
    const { code, messages } = await runForked({ type: 'start', runDir: dir });
    assert.equal(code, 0);
    const types = messages.map((m) => m.type).filter((t) => t !== 'log');
    assert.deepEqual(types, ['started', 'metrics', 'metrics', 'metrics', 'eval', 'checkpoint', 'finished']);
    const started = messages.find((m) => m.type === 'started')!;
    assert.deepEqual(
      { ...started, params: 0, pid: 0 },
      { type: 'started', backend: 'wasm', params: 0, firstStep: 1, totalSteps: 3, pid: 0 },
    );
    assert.ok((started as { params: number }).params > 0);
    assert.deepEqual(
      messages.filter((m) => m.type === 'metrics').map((m) => (m as { step: number }).step),
      [1, 2, 3],
    );
    assert.equal(readRunStatus(dir).state, 'completed');
  });

  it('on SIGTERM saves a checkpoint, ends "cancelled", and the run resumes from the command line to completion', async () => {
    const dir = newRun(80, 'cpu');
    let signalled = false;
    const { code, messages } = await runForked({ type: 'start', runDir: dir }, (m, child) => {
      if (m.type === 'metrics' && m.step >= 2 && !signalled) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    assert.equal(code, 0);
    const final = messages.at(-1)!;
    assert.equal(final.type, 'cancelled');
    const stoppedAt = (final as { step: number }).step;
    assert.ok(stoppedAt >= 2 && stoppedAt < 80);
    const status = readRunStatus(dir);
    assert.equal(status.state, 'cancelled');
    assert.equal(status.exitReason, `stopped by SIGTERM after step ${stoppedAt}`);
    assert.deepEqual(
      listCheckpoints(dir).map((c) => c.step),
      [stoppedAt],
    );

    // A detached start: no IPC channel, the run folder on the command line.
    const resumed = spawnSync(process.execPath, [worker, dir, '--resume'], { encoding: 'utf8', timeout: 240_000 });
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(readRunStatus(dir).state, 'completed');
    const steps = parseMetricLines(fs.readFileSync(path.join(dir, RunFiles.metrics), 'utf8'))
      .filter((r) => r.kind === 'train')
      .map((r) => r.step);
    assert.deepEqual(
      steps,
      Array.from({ length: 80 }, (_, i) => i + 1),
      'every step recorded once, in order',
    );
    assert.match(
      fs.readFileSync(path.join(dir, RunFiles.log), 'utf8'),
      new RegExp(`resuming from .*step-${stoppedAt} after step ${stoppedAt}`),
    );
  });

  it('exits 2 with a usage line when started without a run folder or IPC channel', () => {
    const r = spawnSync(process.execPath, [worker], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no run folder given and no IPC channel/);
  });
});
