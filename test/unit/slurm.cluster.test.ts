/**
 * Runs and searches through the Slurm executor on a real Slurm (scripts/slurm/cluster.sh): real tiny runs of the
 * tfjs worker complete with the losses of the same run done locally, a search goes as one job array, scancel
 * cancels, a requeued job resumes with the same losses, a held job reads pending, and sbatch's refusal fails the
 * run with Slurm's own words.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedSpec } from '../../src/core/spec/resolve';
import { RunFiles, type MetricRecord } from '../../src/protocol/run';
import { RunManager } from '../../src/runs/manager';
import { forEachMetric } from '../../src/runs/metrics';
import { SlurmExecutor } from '../../src/runs/slurm/executor';
import { readJobFile } from '../../src/runs/slurm/jobFile';
import { SlurmJobPoller } from '../../src/runs/slurm/jobPoller';
import type { SlurmSettings } from '../../src/runs/slurm/settings';
import type { RunInfo } from '../../src/runs/store';
import { RunStore } from '../../src/runs/store';
import { newRun, repoRoot, tinyRawSpec, removeWorkAndWorkers, tempDir, tinySpec } from './runs.helpers';
import { scontrol, slurmUnavailable } from './slurm.helpers';
import { findPython } from '../crossRuntime/python';

const skip = slurmUnavailable() ?? false;
/** The PyTorch runtime: src/pytorch of this checkout, or MLBTC_PYTORCH_PATH; its Python: the tests' one finder. */
const PYTORCH_PATH = process.env.MLBTC_PYTORCH_PATH ?? path.join(repoRoot, 'src', 'pytorch');
const foundPython = findPython();
const PYTHON = 'python' in foundPython ? foundPython.python : '';

function torchUnavailable(): string | false {
  if (!fs.existsSync(path.join(PYTORCH_PATH, 'mlbtc_torch', 'worker.py'))) return `no PyTorch worker in ${PYTORCH_PATH}`;
  return 'skip' in foundPython ? foundPython.skip : false;
}
const MINUTE = 60_000;

describe('runs on a real Slurm', { skip, timeout: 4 * MINUTE }, () => {
  let work: string;
  let worker: string;
  const managers: RunManager[] = [];

  before(() => {
    work = tempDir('slurm');
    const build = [path.join(repoRoot, 'scripts', 'build.mjs'), '--only=cli,worker', `--outdir=${path.join(work, 'dist')}`];
    execFileSync(process.execPath, build, {
      stdio: 'inherit',
    });
    worker = path.join(work, 'dist', 'worker.js');
  });
  after(() => {
    for (const m of managers) m.close();
    removeWorkAndWorkers(work);
  });

  function slurmManager(name: string, settings: SlurmSettings = {}, arrayThrottle?: number, pytorchPath = ''): RunManager {
    const poller = new SlurmJobPoller(1_000);
    const slurm = new SlurmExecutor({
      settings: () => settings,
      workerPaths: { tfjsWorker: worker, pytorchPath },
      poller,
      ...(arrayThrottle ? { arrayThrottle } : {}),
    });
    const m = new RunManager({
      runsDir: path.join(work, name),
      executor: 'slurm',
      slurm,
      pollMs: 500,
      owner: `test ${name}`,
    }).open();
    managers.push(m);
    return m;
  }

  function localManager(name: string): RunManager {
    const m = new RunManager({
      runsDir: path.join(work, name),
      workerPath: worker,
      pollMs: 500,
      maxConcurrentRuns: 2,
    }).open();
    managers.push(m);
    return m;
  }

  function losses(run: RunInfo): number[] {
    const out: number[] = [];
    forEachMetric(path.join(run.dir, RunFiles.metrics), (r: MetricRecord) => void (r.kind === 'train' && out.push(r.loss)));
    return out;
  }

  async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; !check(); await new Promise((r) => setTimeout(r, 500))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    }
  }

  const ended = (r: RunInfo) => ['completed', 'failed', 'cancelled', 'interrupted'].includes(r.state);

  it('a run submitted to Slurm completes with the losses of the same run done locally', async () => {
    const spec = tinySpec({ steps: 12 });
    const local = localManager('local');
    const slurm = slurmManager('one');
    const [a, b] = [local.enqueue(newRun(spec)), slurm.enqueue(newRun(spec))];
    const [ranLocally, ranOnSlurm] = await Promise.all([local.waitFor(a.id, ended, 2 * MINUTE), slurm.waitFor(b.id, ended, 2 * MINUTE)]);
    assert.equal(ranOnSlurm.state, 'completed', ranOnSlurm.status?.exitReason ?? '');
    assert.equal(ranLocally.state, 'completed');
    assert.match(readJobFile(ranOnSlurm.dir)?.jobId ?? '', /^\d+$/);
    assert.match(fs.readFileSync(path.join(ranOnSlurm.dir, RunFiles.log), 'utf8'), /^mlbtc: Slurm job \d+ on /m);
    assert.equal(losses(ranOnSlurm).length, 12);
    assert.deepEqual(losses(ranOnSlurm), losses(ranLocally));
  });

  it('runs queued together (a search) go as one job array with a throttle, each task on its own run folder', async () => {
    const m = slurmManager('array', {}, 2);
    const runs = [1, 2, 3].map((seed) => m.enqueue(newRun(tinySpec({ steps: 4, seed }, 'search'))));
    const done = await Promise.all(runs.map((r) => m.waitFor(r.id, ended, 2 * MINUTE)));
    for (const r of done) assert.equal(r.state, 'completed', r.status?.exitReason ?? '');
    const jobs = done.map((r) => readJobFile(r.dir)!);
    assert.equal(new Set(jobs.map((j) => j.jobId)).size, 1, 'one job array');
    assert.deepEqual(
      jobs.map((j) => j.arrayTask),
      [0, 1, 2],
    );
    assert.notDeepEqual(losses(done[0]!), losses(done[1]!), 'each task trained its own run');
  });

  it("a held job reads pending with Slurm's reason; stop cancels it with scancel", async () => {
    const m = slurmManager('held', { extraArgs: ['--hold'] });
    const run = m.enqueue(newRun(tinySpec({ steps: 4 })));
    const slurm = (m as unknown as { slurm: { executor: SlurmExecutor } }).slurm.executor;
    await m.waitFor(run.id, (r) => readJobFile(r.dir) !== null && slurm.observe(readJobFile(r.dir)!).job?.phase === 'pending', MINUTE);
    const job = readJobFile(run.dir)!;
    assert.match(slurm.describe(job), /^Slurm job \d+: pending \(JobHeldUser\)$/);
    assert.equal(m.get(run.id).state, 'queued');
    const stopped = await m.stop(run.id);
    assert.equal(stopped.state, 'cancelled');
    assert.match(stopped.status?.exitReason ?? '', /Slurm job \d+ cancelled/);
  });

  it('scancel of a running job: the worker checkpoints and the run ends cancelled, resumable', async () => {
    const m = slurmManager('cancel');
    const run = m.enqueue(newRun(tinySpec({ steps: 100_000, checkpointEvery: 50 })));
    await m.waitFor(run.id, (r) => r.state === 'running' && (r.status?.step ?? 0) > 5, 2 * MINUTE);
    const stopped = await m.stop(run.id, MINUTE);
    assert.equal(stopped.state, 'cancelled', stopped.status?.exitReason ?? '');
    const first = readJobFile(run.dir)!.jobId;
    m.resume(run.id);
    await m.waitFor(run.id, (r) => r.state === 'running' && readJobFile(r.dir) !== null, 2 * MINUTE);
    assert.notEqual(readJobFile(run.dir)!.jobId, first, 'resume submits a new job');
    assert.equal((await m.stop(run.id, MINUTE)).state, 'cancelled');
  });

  it('near its time limit the worker is signalled, checkpoints and stops: the run reads interrupted, resumable', async () => {
    // --time=1 (a minute) with the signal 50 s before: Slurm signals within the first ~10 s (it may signal early).
    const m = slurmManager('time-limit', { time: '1', signalSeconds: 50 });
    const run = m.enqueue(newRun(tinySpec({ steps: 100_000, checkpointEvery: 20 })));
    const done = await m.waitFor(run.id, (r) => ended(r) && r.state !== 'cancelled', 2 * MINUTE);
    assert.equal(done.state, 'interrupted', done.status?.exitReason ?? '');
    assert.match(done.status?.exitReason ?? '', /^Slurm job \d+ was stopped by Slurm on \S+ \(COMPLETED: the signal before its time limit/);
  });

  it('a requeued job resumes from its checkpoint with the losses of an uninterrupted run', async () => {
    const spec = tinySpec({ steps: 300, checkpointEvery: 20, evalEvery: 1000 });
    const m = slurmManager('requeue');
    const local = localManager('requeue-local');
    const run = m.enqueue(newRun(spec));
    const reference = local.enqueue(newRun(spec));
    await m.waitFor(run.id, (r) => r.state === 'running' && (r.status?.step ?? 0) >= 40, 2 * MINUTE);
    const job = readJobFile(run.dir)!;
    scontrol('requeue', job.jobId);
    // Slurm holds a requeued job back for a while (its begin time); let it start as soon as it is pending again.
    const jobState = () => execFileSync('squeue', ['-h', '-o', '%T', '-j', job.jobId], { encoding: 'utf8' }).trim();
    await waitFor('the requeued job to be pending', () => jobState() === 'PENDING', MINUTE);
    scontrol('update', `JobId=${job.jobId}`, 'StartTime=now');
    const done = await m.waitFor(run.id, (r) => r.state === 'completed' || r.state === 'failed', 3 * MINUTE);
    assert.equal(done.state, 'completed', done.status?.exitReason ?? '');
    assert.match(fs.readFileSync(path.join(run.dir, RunFiles.log), 'utf8'), /restart 1/);
    await local.waitFor(reference.id, ended, 2 * MINUTE);
    assert.deepEqual(losses(done), losses(local.get(reference.id)));
  });

  it('a PyTorch-runtime run goes to Slurm as `python -m mlbtc_torch.worker`, trains as locally', { skip: torchUnavailable() }, async () => {
    const base = tinySpec({ steps: 6 });
    const spec = { ...base, training: { ...base.training, runtime: 'torch' } } as ResolvedSpec;
    const m = slurmManager('torch', { python: PYTHON }, undefined, PYTORCH_PATH);
    const run = m.enqueue(newRun(spec));
    const local = m.store.create(newRun(spec));
    execFileSync(PYTHON, ['-m', 'mlbtc_torch.worker', local.dir], { env: { ...process.env, PYTHONPATH: PYTORCH_PATH }, stdio: 'ignore' });
    const done = await m.waitFor(run.id, ended, 2 * MINUTE);
    assert.equal(done.state, 'completed', done.status?.exitReason ?? '');
    assert.equal(losses(done).length, 6);
    assert.deepEqual(losses(done), losses(m.get(local.id)));
  });

  it('mlbtc train and mlbtc search --executor slurm: a run followed to its end, a search as one job array', async () => {
    const ws = path.join(work, 'cli-ws');
    fs.mkdirSync(path.join(ws, '.mlbtc'), { recursive: true });
    const raw = { ...tinyRawSpec({ steps: 5, warmupSteps: 0 }, 'cli tiny') };
    fs.writeFileSync(path.join(ws, 'tiny.mlbtc.json'), JSON.stringify(raw));
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(work, 'dist', 'cli.js'), ...args], { cwd: ws, encoding: 'utf8', timeout: 2 * MINUTE });
    const train = cli('train', 'tiny.mlbtc.json', '--executor', 'slurm');
    assert.equal(train.status, 0, train.stderr + train.stdout);
    assert.match(train.stdout, /^Slurm job \d+: (pending|running on \S+)$/m);
    assert.match(train.stdout, /^completed 5 steps; run folder /m);

    const space = { 'training.seed': { choice: [1, 2, 3] } };
    const search = { ...raw, name: 'cli search', search: { strategy: 'grid', objective: 'loss', space } };
    fs.writeFileSync(path.join(ws, 'search.mlbtc.json'), JSON.stringify(search));
    const searched = cli('search', 'search.mlbtc.json', '--executor', 'slurm', '--max-concurrent', '2');
    assert.equal(searched.status, 0, searched.stderr + searched.stdout);
    const trials = new RunStore(path.join(ws, '.mlbtc', 'runs')).list().filter((r) => r.search);
    assert.deepEqual(
      trials.map((r) => r.state),
      ['completed', 'completed', 'completed'],
    );
    const jobs = trials.map((r) => readJobFile(r.dir)!);
    assert.equal(new Set(jobs.map((j) => j.jobId)).size, 1, 'one job array');
    assert.deepEqual(jobs.map((j) => j.arrayTask).sort(), [0, 1, 2]);
  });

  it("sbatch refusing the job (unknown partition) fails the run with Slurm's own message", async () => {
    const m = slurmManager('refused', { partition: 'no-such-partition' });
    const run = m.enqueue(newRun(tinySpec({ steps: 4 })));
    const failed = await m.waitFor(run.id, ended, MINUTE);
    assert.equal(failed.state, 'failed');
    assert.match(
      failed.status?.exitReason ?? '',
      /could not submit to Slurm: sbatch failed \(exit 1\): sbatch: error: invalid partition specified: no-such-partition/,
    );
    assert.equal(readJobFile(run.dir), null);
  });
});
