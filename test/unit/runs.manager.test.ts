/**
 * The run manager against the fixture worker (runs.fixtureWorker.ts: the real run-folder writer and protocol, with
 * sleeping instead of training), so queueing, stopping, reattaching and crashes are checked in well under a second
 * per run. The fault tests with the real engine worker are in runs.faults.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FINAL_STATES, RunFiles, type MetricRecord } from '../../src/protocol/run';
import type { RunEvent } from '../../src/runs/events';
import { launchDetachedWorker } from '../../src/runs/launch';
import { readLaunchMarker } from '../../src/runs/launchMarker';
import { RunManager } from '../../src/runs/manager';
import { stopRequestOf } from '../../src/runfolder/stopRequest';
import { forEachMetric, MetricsTail } from '../../src/runs/metrics';
import { isProcessAlive } from '../../src/runfolder/process';
import { RunStore } from '../../src/runs/store';
import { readJobFile, writeJobFile } from '../../src/runs/slurm/jobFile';
import { writeStatus } from '../../src/runfolder/statusFile';
import { fixtureLoss } from './runs.fixtureWorker';
import { bundle, removeWorkAndWorkers, newRun, sleep, tempDir, tinySpec } from './runs.helpers';

let work: string;
let fixture: string;
const managers: RunManager[] = [];
before(() => {
  work = tempDir('manager');
  fixture = bundle('test/unit/runs.fixtureWorker.ts', work, 'fixture-worker');
});
after(async () => {
  managers.forEach((m) => m.close());
  removeWorkAndWorkers(work); // leave no worker behind, whatever failed
});

function manager(
  runsDir: string,
  options: {
    stepMs?: number;
    ignoreSigterm?: boolean;
    max?: number;
    queue?: 'auto' | 'never';
    workerPath?: string;
    stopTimeoutMs?: number;
  } = {},
): RunManager {
  process.env.FIXTURE_STEP_MS = String(options.stepMs ?? 10);
  process.env.FIXTURE_IGNORE_SIGTERM = options.ignoreSigterm ? '1' : '0';
  const m = new RunManager({
    runsDir,
    launcher: launchDetachedWorker(options.workerPath ?? fixture),
    maxConcurrentRuns: options.max ?? 1,
    queue: options.queue ?? 'auto',
    pollMs: 50,
    stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
    owner: 'test',
  });
  managers.push(m);
  return m;
}

const records = (dir: string) => {
  const out: MetricRecord[] = [];
  forEachMetric(path.join(dir, RunFiles.metrics), (r) => void out.push(r));
  return out;
};

/** The train records an uninterrupted fixture run of `steps` steps writes (logEvery 1). */
const expectedLosses = (seed: number, steps: number) => Array.from({ length: steps }, (_, i) => fixtureLoss(seed, i + 1));

const isFinal = (state: string) => (FINAL_STATES as readonly string[]).includes(state);

describe('RunManager (fixture worker)', () => {
  it('runs a queue with maxConcurrentRuns 2: never more than two at once, every run complete with its own records', async () => {
    const runsDir = path.join(work, 'queue');
    const m = manager(runsDir, { max: 2 }).open();
    assert.equal(m.ownsQueue, true);
    const runs = [0, 1, 2, 3, 4].map((seed) => m.enqueue(newRun(tinySpec({ seed, steps: 12 }))));
    let maxLive = 0;
    const watch = setInterval(() => {
      maxLive = Math.max(maxLive, m.list().filter((r) => r.state === 'running').length);
    }, 5);
    try {
      for (const r of runs) await m.waitFor(r.id, (x) => isFinal(x.state), 20_000);
    } finally {
      clearInterval(watch);
    }
    assert.ok(maxLive <= 2, `at most 2 running at once (saw ${maxLive})`);
    assert.ok(maxLive >= 1);
    runs.forEach((r, seed) => {
      const info = m.get(r.id);
      assert.equal(info.state, 'completed', info.status?.exitReason ?? '');
      const train = records(r.dir).filter((x) => x.kind === 'train');
      assert.deepEqual(
        train.map((x) => x.step),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      assert.deepEqual(
        train.map((x) => (x as { loss: number }).loss),
        expectedLosses(seed, 12),
      );
      const log = fs.readFileSync(path.join(r.dir, RunFiles.log), 'utf8');
      assert.equal(log.match(/fixture worker pid \d+ starting/g)?.length, 1, 'started exactly once');
    });
  });

  it('emits added, every state change, and a metrics doorbell after which a reader finds every record, once', async () => {
    const runsDir = path.join(work, 'events');
    const m = manager(runsDir).open();
    // Created by another store (another process would do the same): the manager notices it at its next tick.
    const run = new RunStore(runsDir).create(newRun(tinySpec({ seed: 3, steps: 15 })));
    const tail = new MetricsTail(path.join(run.dir, RunFiles.metrics));
    const events: RunEvent[] = [];
    const streamed: MetricRecord[] = [];
    m.onEvent((e) => {
      events.push(e);
      // What a view does: read its own tail when the bell rings.
      if (e.type === 'metrics' && e.id === run.id) streamed.push(...tail.poll().records);
    });
    await m.waitFor(run.id, (x) => x.state === 'completed', 20_000);
    m.tick();
    const mine = events.filter((e) => ('id' in e ? e.id : 'run' in e ? e.run.id : undefined) === run.id);
    assert.equal(mine[0]?.type, 'added');
    const states = mine
      .filter((e): e is Extract<RunEvent, { type: 'state' }> => e.type === 'state')
      .map((e) => `${e.previous}>${e.run.state}`);
    assert.deepEqual(states, ['queued>running', 'running>completed']);
    assert.ok(mine.filter((e) => e.type === 'metrics').length > 1, 'the bell rings while the run trains, not only at its end');
    assert.deepEqual(streamed, records(run.dir), 'reads on each bell add up to the file, each record once');
  });

  it('stops a run gracefully (checkpoint, cancelled) and resumes it to exactly the records of an uninterrupted run', async () => {
    const runsDir = path.join(work, 'stop-resume');
    const m = manager(runsDir, { stepMs: 15 }).open();
    const run = m.enqueue(newRun(tinySpec({ seed: 5, steps: 30, checkpointEvery: 4 })));
    await m.waitFor(run.id, (x) => (x.status?.step ?? 0) >= 9, 20_000);
    const stopped = await m.stop(run.id);
    assert.equal(stopped.state, 'cancelled');
    assert.match(stopped.status?.exitReason ?? '', /SIGTERM/);
    const at = stopped.status!.step;
    assert.ok(fs.existsSync(path.join(run.dir, 'checkpoints', `step-${at}`)), 'checkpoint at the stopping step');
    // The stop also went through the run folder, for a worker this process could not signal; resuming clears it.
    assert.equal(stopRequestOf(run.dir), 'test', "the stop file names who asked (the manager's owner)");
    const resumed = m.resume(run.id);
    assert.equal(stopRequestOf(run.dir), null, 'a resumed run is not stopped again by the old request');
    assert.ok(['queued', 'running'].includes(resumed.state));
    const done = await m.waitFor(run.id, (x) => isFinal(x.state), 20_000);
    assert.equal(done.state, 'completed');
    const train = records(run.dir).filter((x) => x.kind === 'train');
    assert.deepEqual(
      train.map((x) => x.step),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      train.map((x) => (x as { loss: number }).loss),
      expectedLosses(5, 30),
    );
    assert.throws(() => m.resume(run.id), /completed all 30 steps; nothing to resume/);
  });

  it('kills the process group of a worker that ignores SIGTERM after the stop timeout; the run is cancelled and resumable', async () => {
    const runsDir = path.join(work, 'kill');
    const m = manager(runsDir, { ignoreSigterm: true, stepMs: 20 }).open();
    const run = m.enqueue(newRun(tinySpec({ seed: 1, steps: 500, checkpointEvery: 3 })));
    await m.waitFor(run.id, (x) => (x.status?.step ?? 0) >= 4, 20_000);
    const pid = m.get(run.id).status!.pid!;
    const t0 = Date.now();
    const stopped = await m.stop(run.id, 400);
    assert.ok(Date.now() - t0 >= 400);
    assert.equal(isProcessAlive(pid), false);
    assert.equal(stopped.state, 'cancelled');
    assert.match(stopped.status?.exitReason ?? '', /killed after 400 ms without stopping on SIGTERM/);
    assert.doesNotThrow(() => m.resume(run.id));
    await m.stop(run.id, 400);
  });

  it('leaves alone a run created for a process that starts its own worker (mlbtc train beside an editor)', async () => {
    const runsDir = path.join(work, 'launched-by-cli');
    // Two slots: the claimed run counts as starting and holds one, as a CLI run does.
    const m = manager(runsDir, { max: 2 }).open();
    const claimed = new RunStore(runsDir).create({ ...newRun(tinySpec({ steps: 5 })), launchedBy: process.pid });
    const free = m.enqueue(newRun(tinySpec({ steps: 5 })));
    await m.waitFor(free.id, (x) => x.state === 'completed', 20_000);
    await sleep(1_500); // many manager ticks (pollMs 50) after the queue had room
    assert.equal(
      readLaunchMarker(claimed.dir)?.workerPid,
      process.pid,
      'the queue owner launched a worker on a run another process launches',
    );
    assert.equal(m.get(claimed.id).state, 'queued');
    assert.equal(records(claimed.dir).length, 0);
  });

  it('refuses to resume a run that is a Slurm job when it has no Slurm executor, and changes nothing', () => {
    const runsDir = path.join(work, 'foreign-slurm');
    const store = new RunStore(runsDir);
    const run = store.create(newRun(tinySpec({ seed: 1, steps: 5 })));
    writeStatus(run.dir, { ...store.get(run.id).status!, state: 'cancelled', exitReason: 'stopped' });
    writeJobFile(run.dir, { jobId: '272', arrayTask: 0, submittedAt: new Date().toISOString() });
    const m = manager(runsDir, { queue: 'never' });
    assert.throws(() => m.resume(run.id), /is Slurm job 272_0: resume it where the Slurm executor is set up/);
    assert.equal(store.get(run.id).status?.state, 'cancelled');
    assert.equal(readJobFile(run.dir)?.jobId, '272', 'its job file is left as it was');
  });

  it('cancels a queued run without starting it, and refuses to delete a running one', async () => {
    const runsDir = path.join(work, 'cancel-queued');
    const m = manager(runsDir, { stepMs: 20 }).open();
    const a = m.enqueue(newRun(tinySpec({ steps: 400 })));
    const b = m.enqueue(newRun(tinySpec({ steps: 10 })));
    await m.waitFor(a.id, (x) => x.state === 'running', 20_000);
    assert.equal(m.get(b.id).state, 'queued');
    assert.equal((await m.stop(b.id)).status?.exitReason, 'cancelled before it started');
    assert.throws(() => m.delete(a.id), /is running .* stop it first/);
    await m.stop(a.id);
    m.delete(a.id);
    m.delete(b.id);
    assert.deepEqual(m.list(), []);
    assert.equal(fs.existsSync(path.join(runsDir, 'checkpoints')), false);
  });

  it('retries a run as a new run of the same spec, source and overrides', async () => {
    const runsDir = path.join(work, 'retry');
    const m = manager(runsDir).open();
    const run = m.enqueue({ ...newRun(tinySpec({ steps: 5, seed: 9 }), '/ws/r.mlbtc.json'), overrides: { seed: 9 } });
    await m.waitFor(run.id, (x) => isFinal(x.state), 20_000);
    const again = m.retry(run.id);
    assert.notEqual(again.id, run.id);
    assert.equal(again.source, '/ws/r.mlbtc.json');
    assert.deepEqual(m.store.readSpec(again.id).overrides, { seed: 9 });
    assert.deepEqual(m.store.readSpec(again.id).spec, m.store.readSpec(run.id).spec);
    await m.waitFor(again.id, (x) => x.state === 'completed', 20_000);
  });

  it('reattaches after a restart: a live worker is followed to the end, a dead one becomes interrupted and resumes', async () => {
    const runsDir = path.join(work, 'reattach');
    const first = manager(runsDir, { stepMs: 15 }).open();
    const live = first.enqueue(newRun(tinySpec({ seed: 2, steps: 40 })));
    await first.waitFor(live.id, (x) => (x.status?.step ?? 0) >= 3, 20_000);
    first.close(); // an editor reload: the worker is detached and keeps going
    const pid = first.store.get(live.id).status!.pid!;
    assert.ok(isProcessAlive(pid));

    const second = manager(runsDir, { stepMs: 15 }).open();
    const events: RunEvent[] = [];
    second.onEvent((e) => events.push(e));
    const done = await second.waitFor(live.id, (x) => x.state === 'completed', 20_000);
    assert.equal(done.status?.step, 40);
    assert.ok(
      events.some((e) => e.type === 'metrics' && e.id === live.id),
      'metrics followed after reattaching',
    );
    second.close();

    // Now a worker killed while nobody watches.
    const third = manager(runsDir, { stepMs: 15 }).open();
    const doomed = third.enqueue(newRun(tinySpec({ seed: 4, steps: 60, checkpointEvery: 5 })));
    await third.waitFor(doomed.id, (x) => (x.status?.step ?? 0) >= 12, 20_000);
    third.close();
    process.kill(third.store.get(doomed.id).status!.pid!, 'SIGKILL');
    await sleep(100);
    const fourth = manager(runsDir, { stepMs: 5 }).open();
    const interrupted = fourth.get(doomed.id);
    assert.equal(interrupted.state, 'interrupted');
    assert.match(interrupted.status?.exitReason ?? '', /ended without a final status/);
    fourth.resume(doomed.id);
    const finished = await fourth.waitFor(doomed.id, (x) => isFinal(x.state), 20_000);
    assert.equal(finished.state, 'completed');
    const train = records(doomed.dir).filter((x) => x.kind === 'train');
    assert.deepEqual(
      train.map((x) => (x as { loss: number }).loss),
      expectedLosses(4, 60),
    );
  });

  it('a worker that crashes at start-up fails the run with its last output, and is not started again', async () => {
    const runsDir = path.join(work, 'crash');
    const crashing = path.join(work, 'crash.js');
    fs.writeFileSync(crashing, 'console.error("Error: cannot load the engine (simulated)"); process.exit(3);');
    const m = manager(runsDir, { workerPath: crashing }).open();
    const run = m.enqueue(newRun(tinySpec()));
    const failed = await m.waitFor(run.id, (x) => isFinal(x.state), 10_000);
    assert.equal(failed.state, 'failed');
    assert.match(failed.status?.exitReason ?? '', /exited with code 3 .*cannot load the engine \(simulated\)/);
    await sleep(200);
    assert.equal(fs.readFileSync(path.join(run.dir, RunFiles.log), 'utf8').match(/simulated/g)?.length, 1);
  });

  it('a silent worker whose process is alive is neither settled nor resumed, but stop kills it; a pid silent for long is not trusted', async () => {
    const runsDir = path.join(work, 'hung');
    const m = manager(runsDir).open();
    // A "hung worker": a live process that never writes (its own process group, like a launched worker).
    const hung = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
    await sleep(100);
    // Created and marked running at once, before the queue owner could start it.
    const run = new RunStore(runsDir).create(newRun(tinySpec()));
    const status = path.join(run.dir, RunFiles.status);
    const write = (patch: object) => fs.writeFileSync(status, JSON.stringify({ ...JSON.parse(fs.readFileSync(status, 'utf8')), ...patch }));
    // Its last heartbeat came after it started (a heartbeat older than the process would mark a reused pid), and then
    // the clock moves two minutes on.
    write({ state: 'running', pid: hung.pid, heartbeat: new Date().toISOString(), startedAt: new Date().toISOString(), step: 7 });
    const realNow = Date.now;
    Date.now = () => realNow() + 120_000;
    after(() => {
      Date.now = realNow;
      if (isProcessAlive(hung.pid!)) process.kill(hung.pid!, 'SIGKILL');
    });
    m.tick();
    assert.equal(m.get(run.id).state, 'interrupted', 'shown as interrupted (stale heartbeat)');
    assert.equal(m.get(run.id).status?.state, 'running', 'but not settled: the process may still write');
    assert.throws(() => m.resume(run.id), /its worker \(pid \d+\) is alive but has been silent since .*stop it first/);
    assert.throws(() => m.delete(run.id), /is running .*stop it first/);
    const stopped = await m.stop(run.id, 300);
    assert.equal(stopped.state, 'cancelled');
    assert.equal(isProcessAlive(hung.pid!), false);
    Date.now = realNow;
    // Silent for longer than the pid is trusted: the pid is taken to belong to someone else now.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
    after(() => isProcessAlive(other.pid!) && process.kill(other.pid!, 'SIGKILL'));
    write({ state: 'running', pid: other.pid, heartbeat: new Date(Date.now() - 3_600_000).toISOString(), endedAt: null, exitReason: null });
    m.tick();
    assert.equal(m.get(run.id).status?.state, 'interrupted');
    assert.ok(isProcessAlive(other.pid!), 'and the unrelated process is left alone');
  });

  it('two managers on one runs directory: one owns the queue, each run starts once, the other takes over when the owner closes', async () => {
    const runsDir = path.join(work, 'two');
    const a = manager(runsDir, { max: 2 }).open();
    const b = manager(runsDir, { max: 2 }).open();
    assert.equal(a.ownsQueue, true);
    assert.equal(b.ownsQueue, false);
    const fromA = [0, 1, 2].map((seed) => a.enqueue(newRun(tinySpec({ seed, steps: 10 }))));
    const fromB = [3, 4, 5].map((seed) => b.enqueue(newRun(tinySpec({ seed, steps: 10 }))));
    await a.waitFor(fromA[0]!.id, (x) => x.state !== 'queued', 20_000);
    a.close();
    await sleep(150);
    assert.equal(b.ownsQueue, true, 'b took over the queue');
    for (const r of [...fromA, ...fromB]) await b.waitFor(r.id, (x) => isFinal(x.state), 30_000);
    [...fromA, ...fromB].forEach((r, seed) => {
      assert.equal(b.get(r.id).state, 'completed');
      assert.equal(fs.readFileSync(path.join(r.dir, RunFiles.log), 'utf8').match(/starting/g)?.length, 1, `${r.id} started once`);
      assert.deepEqual(
        records(r.dir)
          .filter((x) => x.kind === 'train')
          .map((x) => (x as { loss: number }).loss),
        expectedLosses(seed, 10),
      );
    });
  });
});
