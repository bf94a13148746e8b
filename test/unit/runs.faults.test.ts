/**
 * Faults with the real engine worker (dist/worker.js built into a temp folder by scripts/build.mjs): SIGKILL at
 * random moments, concurrent runs on two cores. Tiny models on the cpu backend, so each run step is a few ms.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../src/core/random';
import { RunFiles, type MetricRecord } from '../../src/protocol/run';
import { readCheckpoint } from '../../src/engine/train/checkpoint';
import { listCheckpoints, readStatus } from '../../src/runfolder/runFolder';
import { readLaunchMarker } from '../../src/runs/launchMarker';
import { launchDetachedWorker, type Launcher } from '../../src/runs/launch';
import { RunManager } from '../../src/runs/manager';
import { forEachMetric } from '../../src/runs/metrics';
import { isProcessAlive } from '../../src/runfolder/process';
import type { RunInfo } from '../../src/runs/store';
import { newRun, repoRoot, sleep, tempDir, tinySpec } from './runs.helpers';

let work: string;
let workerPath: string;
const managers: RunManager[] = [];

before(() => {
  work = tempDir('faults');
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs'), '--only=worker', `--outdir=${path.join(work, 'dist')}`], {
    stdio: 'inherit',
  });
  workerPath = path.join(work, 'dist', 'worker.js');
});
after(() => {
  for (const m of managers) {
    for (const run of m.list()) if (run.status?.pid && isProcessAlive(run.status.pid)) process.kill(run.status.pid, 'SIGKILL');
    m.close();
  }
  fs.rmSync(work, { recursive: true, force: true });
});

/** Every worker launch, for the messages of failed assertions. */
const launches: string[] = [];

function manager(name: string, max = 1): RunManager {
  const launch = launchDetachedWorker(workerPath);
  const launcher: Launcher = (request) => {
    const child = launch(request);
    launches.push(`${Date.now() % 100_000} ${child.pid} ${path.basename(request.runDir)}${request.resume ? ' resume' : ''}`);
    return child;
  };
  const m = new RunManager({ runsDir: path.join(work, name), launcher, maxConcurrentRuns: max, pollMs: 50, owner: 'fault test' }).open();
  managers.push(m);
  return m;
}

/** Every record of the run, and how many lines were skipped (torn or garbage). */
function read(run: RunInfo): { records: MetricRecord[]; skipped: number } {
  const records: MetricRecord[] = [];
  const report = forEachMetric(path.join(run.dir, RunFiles.metrics), (r) => void records.push(r));
  return { records, skipped: report.skippedCount };
}

/** What must agree between an interrupted-and-resumed run and an uninterrupted one (wall time aside). */
const comparable = (records: MetricRecord[]) => records.map(({ wallMs: _wallMs, ...rest }) => rest);

/** Live processes whose command line names `runDir` (Linux /proc): the workers training it. */
function workersOn(runDir: string): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmd.includes(runDir) && isProcessAlive(Number(pid))) out.push(`${pid}: ${cmd.join(' ')}`);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

const finished = (r: RunInfo) => r.state === 'completed' || r.state === 'failed' || r.state === 'cancelled';

describe('faults with the real worker', () => {
  it('survives 20 SIGKILLs at random moments: the run stays readable after each, and resuming finishes it exactly like an uninterrupted run', async () => {
    const m = manager('sigkill', 2);
    // Long enough that 20 kills land before it could finish (a tiny step takes a few ms; start-up some 400 ms).
    const spec = tinySpec({ steps: 200, logEvery: 1, evalEvery: 20, checkpointEvery: 3, seed: 11 });
    const reference = m.enqueue(newRun(spec));
    const victim = m.enqueue(newRun(spec));
    const rng = new Rng(2026);
    const schedule: string[] = [];
    let kills = 0;
    for (; kills < 20; kills++) {
      await m.waitFor(victim.id, (r) => r.state !== 'queued' || readLaunchMarker(r.dir) !== null, 30_000);
      const pid = readLaunchMarker(victim.dir)!.workerPid;
      // Half the kills after a random delay (start-up, backend init, first writes), half a few steps into training.
      const byDelay = rng.next() < 0.5;
      if (byDelay) {
        const delay = Math.floor(rng.next() * 450);
        schedule.push(`${delay} ms`);
        await sleep(delay);
      } else {
        const from = readStatus(victim.dir).status?.step ?? 0;
        const steps = 1 + rng.int(5);
        schedule.push(`+${steps} steps`);
        await m
          .waitFor(victim.id, (r) => finished(r) || (r.status?.state === 'running' && r.status.step >= from + steps), 30_000)
          .catch(() => undefined);
      }
      if (finished(m.get(victim.id))) break;
      process.kill(-pid, 'SIGKILL');
      while (isProcessAlive(pid)) await sleep(10);
      assert.deepEqual(
        workersOn(victim.dir),
        [],
        `no worker of the run survives kill ${kills + 1} of ${pid} (${schedule.join(', ')}); launches:\n${launches.join('\n')}`,
      );

      // Readable after every kill: a parseable status, metrics in strictly increasing steps, complete checkpoints.
      const after = await m
        .waitFor(victim.id, (r) => r.state === 'interrupted' || finished(r), 10_000)
        .catch((e: Error) => {
          throw new Error(
            `${e.message} after kill ${kills + 1} (${schedule.join(', ')}): ${JSON.stringify(readStatus(victim.dir))} launch ${JSON.stringify(readLaunchMarker(victim.dir))}`,
          );
        });
      assert.ok(after.status, `status readable after kill ${kills + 1} (${schedule.join(', ')}): ${after.problem}`);
      const { records } = read(after);
      const trainSteps = records.filter((r) => r.kind === 'train').map((r) => r.step);
      assert.ok(
        trainSteps.every((s, i) => i === 0 || s > trainSteps[i - 1]!),
        `train steps increase after kill ${kills + 1}: ${trainSteps.join(',')}`,
      );
      // The checkpoint a resume would use is complete. (Older ones may be half-deleted by a kill during the cleanup
      // after a newer one was saved; resume never reads them.)
      const latest = listCheckpoints(after.dir).at(-1);
      if (latest) {
        const checkpoint = readCheckpoint(latest.path);
        assert.equal(checkpoint.meta.step, latest.step);
        assert.equal(checkpoint.weights.size, checkpoint.meta.params.length);
        assert.equal(checkpoint.moments.size, 2 * checkpoint.meta.params.length);
      }
      if (after.state === 'interrupted') m.resume(victim.id);
    }
    if (!finished(m.get(victim.id))) m.resume(victim.id);
    const [done, ref] = await Promise.all([m.waitFor(victim.id, finished, 60_000), m.waitFor(reference.id, finished, 60_000)]);
    assert.equal(kills, 20, `20 kills landed before the run completed (${schedule.join(', ')})`);
    assert.equal(ref.state, 'completed', ref.status?.exitReason ?? '');
    assert.equal(done.state, 'completed', `${done.status?.exitReason} after kills at ${schedule.join(', ')}`);
    const victimRecords = read(done);
    assert.equal(victimRecords.skipped, 0, 'no torn line remains once resumed');
    assert.deepEqual(comparable(victimRecords.records), comparable(read(ref).records));
  });

  it('eight concurrent tiny runs on two cores finish with separate, correct records', async () => {
    const m = manager('eight', 8);
    // Four seeds, each twice: the twins must agree exactly, the seeds must differ. Cross-talk would break either.
    const runs = [0, 1, 2, 3, 0, 1, 2, 3].map((seed) =>
      m.enqueue(newRun(tinySpec({ steps: 25, logEvery: 5, evalEvery: 25, checkpointEvery: 25, seed }))),
    );
    let maxRunning = 0;
    const watch = setInterval(() => (maxRunning = Math.max(maxRunning, m.list().filter((r) => r.state === 'running').length)), 20);
    const done = await Promise.all(runs.map((r) => m.waitFor(r.id, finished, 120_000))).finally(() => clearInterval(watch));
    assert.ok(maxRunning >= 4, `runs overlapped (at most ${maxRunning} at once)`);
    const losses = done.map((r) => {
      assert.equal(r.state, 'completed', r.status?.exitReason ?? '');
      const { records, skipped } = read(r);
      assert.equal(skipped, 0);
      const train = records.filter((x): x is Extract<MetricRecord, { kind: 'train' }> => x.kind === 'train');
      assert.deepEqual(
        train.map((x) => x.step),
        [5, 10, 15, 20, 25],
      );
      assert.equal(records.filter((x) => x.kind === 'eval').length, 1);
      return train.map((x) => x.loss);
    });
    for (let seed = 0; seed < 4; seed++) assert.deepEqual(losses[seed], losses[seed + 4], `seed ${seed}: twins agree`);
    for (let a = 0; a < 4; a++) for (let b = a + 1; b < 4; b++) assert.notDeepEqual(losses[a], losses[b], `seeds ${a} and ${b} differ`);
  });
});
