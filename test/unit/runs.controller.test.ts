/**
 * The search controller on the fixture worker (losses are a pure function of seed and step, so objectives are known
 * in advance): ASHA promotes by the rule, promoted trials continue their curve, a trial can be stopped or retried
 * while the search goes on, a trial whose worker dies is resumed, and a new controller picks up where one stopped.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StructureSpec } from '../../src/core/spec/schema';
import { RunFiles, type MetricRecord } from '../../src/protocol/run';
import { launchDetachedWorker } from '../../src/runs/launch';
import { RunManager } from '../../src/runs/manager';
import { forEachMetric } from '../../src/runs/metrics';
import { isProcessAlive } from '../../src/runfolder/process';
import { controllerOwnerOf, SearchController, type SearchEvent } from '../../src/runs/search/controller';
import { planSearch } from '../../src/runs/search/plan';
import { searchResults } from '../../src/runs/search/results';
import { createSearchFolder, readSearchState, searchDir, SearchFiles, trialRunId } from '../../src/runs/search/searchFolder';
import { trialRuns } from '../../src/runs/search/trialRuns';
import { fixtureLoss } from './runs.fixtureWorker';
import { bundle, sleep, tempDir, tinyRawSpec } from './runs.helpers';

let work: string;
let fixture: string;
const managers: RunManager[] = [];
before(() => {
  work = tempDir('controller');
  fixture = bundle('test/unit/runs.fixtureWorker.ts', work, 'fixture-worker');
});
after(() => {
  for (const m of managers) {
    for (const r of m.list()) if (r.status?.pid && isProcessAlive(r.status.pid)) process.kill(r.status.pid, 'SIGKILL');
    m.close();
  }
  fs.rmSync(work, { recursive: true, force: true });
});

function manager(runsDir: string, max: number, stepMs = 5): RunManager {
  process.env.FIXTURE_STEP_MS = String(stepMs);
  process.env.FIXTURE_IGNORE_SIGTERM = '0';
  const m = new RunManager({
    runsDir,
    launcher: launchDetachedWorker(fixture),
    maxConcurrentRuns: max,
    pollMs: 50,
    owner: 'controller test',
  }).open();
  managers.push(m);
  return m;
}

/** A search over training.seed: the fixture's objective at step s is fixtureLoss(seed, s) + 0.1. */
function seedSearch(seeds: number[], search: Partial<NonNullable<StructureSpec['search']>>, training: object = {}): StructureSpec {
  return {
    ...tinyRawSpec({ evalEvery: 1, logEvery: 1, checkpointEvery: 1000, ...training }),
    search: { space: { 'training.seed': { choice: seeds } }, strategy: 'grid', seed: 0, objective: 'val.loss', ...search },
  } as StructureSpec;
}

function start(runsDir: string, raw: StructureSpec) {
  const plan = planSearch(raw);
  return createSearchFolder(runsDir, plan, { path: path.join(work, 'search.mlbtc.json'), text: JSON.stringify(raw) });
}

const records = (dir: string) => {
  const out: MetricRecord[] = [];
  forEachMetric(path.join(dir, RunFiles.metrics), (r) => void out.push(r));
  return out;
};

describe('SearchController (fixture worker)', () => {
  it('ASHA: every promotion is by the rule at that moment, and a promoted trial continues its curve exactly', async () => {
    const runsDir = path.join(work, 'asha');
    const seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const file = start(
      runsDir,
      seedSearch(seeds, { strategy: 'asha', asha: { unit: 'steps', minBudget: 3, maxBudget: 27, eta: 3 }, maxConcurrent: 2 }),
    );
    const m = manager(runsDir, 2);
    const events: SearchEvent[] = [];
    const controller = new SearchController(m, file.id, { onEvent: (e) => events.push(e) });
    controller.acquire();
    assert.equal(await controller.run(() => false, 50), 'finished');
    controller.release();

    const objective = (seed: number, budget: number) => fixtureLoss(seed, budget) + 0.1;
    const budgets = [3, 9, 27];
    // Replay the events: when a trial is promoted from rung k, it must be among the best floor(n/3) of the n trials
    // that had ended rung k by then (objectives from the fixture's formula, not from the code under test).
    const ended = new Map<number, { trial: number; value: number }[]>();
    let promotions = 0;
    for (const e of events) {
      if (e.type === 'ended') {
        assert.equal(e.state, 'completed');
        assert.ok(Math.abs(e.objective! - objective(seeds[e.trial]!, budgets[e.rung]!)) < 1e-12);
        ended.set(e.rung, [...(ended.get(e.rung) ?? []), { trial: e.trial, value: e.objective! }]);
      }
      if (e.type === 'launched' && e.promoted) {
        promotions++;
        const finished = [...(ended.get(e.rung - 1) ?? [])].sort((a, b) => a.value - b.value || a.trial - b.trial);
        const top = finished.slice(0, Math.floor(finished.length / 3)).map((f) => f.trial);
        assert.ok(top.includes(e.trial), `trial ${e.trial} promoted to rung ${e.rung} from the top ${top.join(',')} of ${finished.length}`);
      }
    }
    assert.ok(promotions >= 3, `promotions happened (${promotions})`);
    assert.equal(events.filter((e) => e.type === 'launched' && !e.promoted).length, 9, 'every trial started once');
    assert.equal(events.at(-1)?.type, 'finished');

    const state = readSearchState(runsDir, file.id);
    for (const [trial, rungs] of trialRuns(m.store, file.id, state)) {
      const top = rungs.get(Math.max(...rungs.keys()))!;
      const train = records(top.dir).filter((r) => r.kind === 'train');
      assert.deepEqual(
        train.map((r) => (r as { loss: number }).loss),
        Array.from({ length: budgets[Math.max(...rungs.keys())]! }, (_, i) => fixtureLoss(seeds[trial]!, i + 1)),
      );
    }
    const results = searchResults(m.store, file.id, file.plan, state);
    assert.equal(results.rows.length, 9);
    assert.ok(results.lossFront.length >= 1);
  });

  it('a stopped trial stays stopped while the search goes on; a retried one takes its place; a killed one is resumed', async () => {
    const runsDir = path.join(work, 'stop-retry');
    const file = start(runsDir, seedSearch([10, 11, 12, 13], { maxConcurrent: 2 }, { steps: 40, checkpointEvery: 5 }));
    const m = manager(runsDir, 2, 15);
    const events: SearchEvent[] = [];
    const controller = new SearchController(m, file.id, { onEvent: (e) => events.push(e) });
    controller.acquire();
    let stopped = false;
    const running = controller.run(() => stopped, 50);
    const runOf = async (trial: number) => {
      for (;;) {
        const run = trialRuns(m.store, file.id, readSearchState(runsDir, file.id)).get(trial)?.get(0);
        if (run && run.state === 'running' && (run.status?.step ?? 0) >= 6) return run;
        await sleep(20);
      }
    };
    const t0 = await runOf(0);
    const t1 = await runOf(1);
    await m.stop(t0.id);
    process.kill(t1.status!.pid!, 'SIGKILL'); // a crash: the controller resumes it
    assert.equal(await running, 'finished', 'the search finished despite the stopped trial');
    stopped = true;

    let results = searchResults(m.store, file.id, file.plan, readSearchState(runsDir, file.id));
    assert.deepEqual(
      results.rows.map((r) => r.state),
      ['cancelled', 'completed', 'completed', 'completed'],
    );
    assert.ok(
      events.some((e) => e.type === 'resumed' && e.trial === 1),
      'trial 1 resumed after its worker was killed',
    );
    const t1records = records(m.get(t1.id).dir).filter((r) => r.kind === 'train');
    assert.deepEqual(
      t1records.map((r) => (r as { loss: number }).loss),
      Array.from({ length: 40 }, (_, i) => fixtureLoss(11, i + 1)),
    );

    // Retrying the stopped trial (from the Experiments view, or `mlbtc resume --retry`) makes a newer run with the
    // same tag; a new controller adopts it and the search finishes again with every trial completed.
    const retry = m.retry(t0.id);
    assert.deepEqual(retry.search, { id: file.id, trial: 0, rung: 0 });
    controller.release();
    const second = new SearchController(m, file.id);
    second.acquire();
    assert.throws(() => new SearchController(m, file.id).acquire(), /held by search controller/);
    assert.equal(await second.run(() => false, 50), 'finished');
    second.release();
    results = searchResults(m.store, file.id, file.plan, readSearchState(runsDir, file.id));
    assert.deepEqual(
      results.rows.map((r) => r.state),
      ['completed', 'completed', 'completed', 'completed'],
    );
    assert.equal(results.rows[0]!.runId, retry.id);
    assert.ok(Math.abs(results.rows[0]!.objective! - (fixtureLoss(10, 40) + 0.1)) < 1e-12);
  });

  it('stopping the whole search pauses its active trials, and the next controller resumes them from their checkpoints', async () => {
    const runsDir = path.join(work, 'pause');
    const file = start(runsDir, seedSearch([20, 21, 22], { maxConcurrent: 2 }, { steps: 40, checkpointEvery: 5 }));
    const m = manager(runsDir, 2, 15);
    const first = new SearchController(m, file.id);
    first.acquire();
    let stop = false;
    const loop = first.run(() => stop, 50);
    while (first.activeRuns().filter((r) => r.state === 'running' && (r.status?.step ?? 0) >= 5).length < 2) await sleep(20);
    stop = true;
    assert.equal(await loop, 'stopped');
    const paused = await first.pause();
    first.release();
    assert.equal(paused.length, 2);
    assert.ok(paused.every((r) => r.state === 'cancelled'));
    assert.deepEqual(readSearchState(runsDir, file.id).paused.sort(), paused.map((r) => r.id).sort());
    assert.notEqual(readSearchState(runsDir, file.id).stoppedAt, null, 'stopped on purpose: nobody takes it over');

    const events: SearchEvent[] = [];
    const second = new SearchController(m, file.id, { onEvent: (e) => events.push(e) });
    second.acquire();
    assert.equal(await second.run(() => false, 50), 'finished');
    second.release();
    assert.equal(readSearchState(runsDir, file.id).stoppedAt, null, 'driven again: no longer stopped');
    assert.deepEqual(
      events
        .filter((e) => e.type === 'resumed')
        .map((e) => (e as { runId: string }).runId)
        .sort(),
      paused.map((r) => r.id).sort(),
    );
    const results = searchResults(m.store, file.id, file.plan, readSearchState(runsDir, file.id));
    assert.deepEqual(
      results.rows.map((r) => r.state),
      ['completed', 'completed', 'completed'],
    );
    for (const r of paused) {
      const log = fs.readFileSync(path.join(r.dir, RunFiles.log), 'utf8');
      assert.match(log, /resuming at step [1-9]\d*/, 'continued from its checkpoint, not from scratch');
      assert.deepEqual(
        records(r.dir)
          .filter((x) => x.kind === 'train')
          .map((x) => x.step),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
    }
    assert.deepEqual(readSearchState(runsDir, file.id).paused, []);
  });

  it('a controller whose lock another took over ends its loop and launches nothing more', async () => {
    const runsDir = path.join(work, 'taken-over');
    const file = start(runsDir, seedSearch([30, 31, 32], { maxConcurrent: 1 }, { steps: 400 }));
    const m = manager(runsDir, 1, 15);
    const launched: number[] = [];
    const controller = new SearchController(m, file.id, { onEvent: (e) => e.type === 'launched' && launched.push(e.trial) });
    controller.acquire();
    const loop = controller.run(() => false, 50);
    while (!m.list().some((r) => r.state === 'running')) await sleep(20);
    // The window this controller served went away; another window broke its stale lock and drives the search now.
    const lock = path.join(searchDir(runsDir, file.id), SearchFiles.lock);
    const taker = { pid: 1, hostname: os.hostname(), createdAt: new Date().toISOString(), owner: 'search controller (the new window)' };
    fs.writeFileSync(lock, JSON.stringify(taker));
    assert.equal(await loop, 'taken over');
    assert.equal(controllerOwnerOf(controller.takenOverBy), 'the new window');
    controller.release();
    assert.equal(JSON.parse(fs.readFileSync(lock, 'utf8')).owner, taker.owner, 'the new holder keeps its lock');
    assert.deepEqual(launched, [0]);
    assert.deepEqual(
      m.list().map((r) => r.id),
      [trialRunId(file.id, 0, 0)],
    );
    await m.stop(trialRunId(file.id, 0, 0));
  });
});
