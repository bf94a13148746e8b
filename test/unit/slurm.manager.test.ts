/**
 * The manager's Slurm side without a cluster: a run that has a job is never judged by its pid nor submitted again,
 * and while Slurm does not answer it stays as it is, its state unknown.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { readStatus } from '../../src/runfolder/runFolder';
import { writeStatus } from '../../src/runfolder/statusFile';
import { RunManager } from '../../src/runs/manager';
import { SlurmExecutor } from '../../src/runs/slurm/executor';
import { readJobFile, writeJobFile } from '../../src/runs/slurm/jobFile';
import { SlurmJobPoller } from '../../src/runs/slurm/jobPoller';
import { deadPid, newRun, tempDir, tinySpec } from './runs.helpers';

test('Slurm not answering: a running run with a dead local pid stays running ("state unknown"), nothing is resubmitted', async () => {
  const runsDir = tempDir('slurm-down');
  const poller = new SlurmJobPoller(60_000, {
    squeue: () => Promise.reject(new Error('squeue failed (exit 1): Unable to contact slurm controller (connect failure)')),
    sacct: () => Promise.reject(new Error('sacct failed')),
  });
  const slurm = new SlurmExecutor({
    settings: () => ({}),
    workerPaths: { tfjsWorker: '/nonexistent/worker.js', pytorchPath: '' },
    poller,
  });
  const m = new RunManager({
    runsDir,
    executor: 'slurm',
    slurm,
    queue: 'never',
    watch: false,
  });
  try {
    const run = m.store.create(newRun(tinySpec()));
    const status = readStatus(run.dir).status!;
    writeStatus(run.dir, {
      ...status,
      state: 'running',
      pid: deadPid(),
      startedAt: new Date().toISOString(),
      heartbeat: new Date().toISOString(),
      step: 3,
    });
    writeJobFile(run.dir, {
      jobId: '999999999',
      submittedAt: new Date().toISOString(),
    });
    m.open();
    await poller.poll();
    m.tick();
    assert.equal(readStatus(run.dir).status?.state, 'running', 'not settled from a pid');
    assert.match(
      slurm.describe(readJobFile(run.dir)!),
      /^Slurm job 999999999: state unknown \(Slurm is not answering \(squeue failed .*Unable to contact slurm controller/,
    );
    assert.deepEqual(readJobFile(run.dir)?.jobId, '999999999');
    assert.throws(() => m.delete(run.id), /Cannot delete .*Slurm job 999999999/);
    assert.ok(fs.existsSync(run.dir));
  } finally {
    m.close();
    poller.dispose();
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
});
