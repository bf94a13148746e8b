/**
 * Searches driven from the window (SearchDriver) with real managers and the fixture worker: a search runs to its end;
 * one whose window closed mid-search is taken over by the next window and finished; a stopped one stops its trials
 * and stays stopped (nobody takes it over); a search another window drives is not driven twice, Stop there asks it to
 * let go through the search folder and then pauses its trials, and Resume there takes it over; a ghost (a controller
 * in a process that lives on without its window) is replaced within its heartbeat, and no trial is created twice.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StructureSpec } from '../../src/core/spec/schema';
import type { LogSink } from '../../src/extension/runs/runLog';
import { RunsModel } from '../../src/extension/runs/runsModel';
import { SearchDriver, type SearchRef } from '../../src/extension/runs/searchDriver';
import { launchDetachedWorker } from '../../src/runs/launch';
import { LockedError } from '../../src/runfolder/lock';
import { RunManager } from '../../src/runs/manager';
import { planSearch } from '../../src/runs/search/plan';
import { searchControl } from '../../src/runs/search/searchControl';
import {
  controllerLock,
  createSearchFolder,
  readSearchState,
  searchDir,
  SearchFiles,
  trialRunId,
} from '../../src/runs/search/searchFolder';
import { searchStopRequestOf } from '../../src/runs/search/searchStop';
import { RunStore } from '../../src/runs/store';
import { until as pollUntil } from '../../scripts/harness/until';
import { bundle, removeWorkAndWorkers, repoRoot, sleep, tempDir, tinyRawSpec } from './runs.helpers';

let work: string;
let fixture: string;
const models: RunsModel[] = [];
const drivers: SearchDriver[] = [];
const ghosts: ChildProcess[] = [];

before(() => {
  work = tempDir('search-driver');
  fixture = bundle('test/unit/runs.fixtureWorker.ts', work, 'fixture-worker');
});
after(async () => {
  for (const g of ghosts) g.kill('SIGKILL');
  for (const d of drivers) d.dispose();
  await sleep(600); // controllers notice and release their locks
  for (const m of models) m.dispose();
  removeWorkAndWorkers(work);
});

const quiet: LogSink = { info: () => {}, warn: () => {}, error: () => {} };

function window(
  root: string,
  stepMs = 10,
  managerOptions?: ConstructorParameters<typeof SearchDriver>[4],
): { model: RunsModel; driver: SearchDriver } {
  process.env.FIXTURE_STEP_MS = String(stepMs);
  process.env.FIXTURE_IGNORE_SIGTERM = '0';
  const model = new RunsModel((r) =>
    new RunManager({ runsDir: r, launcher: launchDetachedWorker(fixture), pollMs: 50, owner: 'test window' }).open(),
  );
  model.setRoots([root]);
  const driver = new SearchDriver(model, quiet, 'test window', () => 1, managerOptions);
  models.push(model);
  drivers.push(driver);
  return { model, driver };
}

function gridPlan(steps: number, lrs: number[], maxConcurrent?: number) {
  return planSearch({
    ...tinyRawSpec({ steps, evalEvery: 5, checkpointEvery: 5 }, 'grid'),
    search: {
      strategy: 'grid',
      space: { 'training.lr': { choice: lrs } },
      ...(maxConcurrent ? { maxConcurrent } : {}),
    } as unknown as StructureSpec['search'],
  });
}

/** Polled every 50 ms: trials of the fixture worker pass through a state in a few hundred. */
const until = (what: string, check: () => boolean, timeoutMs = 20_000) => pollUntil(what, check, timeoutMs, 50);

describe('SearchDriver', () => {
  it('drives a grid to its end, one trial at a time, each trial under its fixed id', async () => {
    const root = path.join(work, 'finish');
    const { model, driver } = window(root);
    const ref = driver.start(root, gridPlan(10, [1e-3, 2e-3, 3e-3]), { path: '/w/grid.mlbtc.json', text: '{}' });
    assert.ok(driver.isDriving(ref));
    assert.equal(searchControl(root, ref.id).kind, 'driven');
    let overlap = 0;
    model.onEvent(() => (overlap = Math.max(overlap, model.runs().filter((r) => r.state === 'running').length)));
    await until('the search to finish', () => readSearchState(root, ref.id).finishedAt !== null);
    await until('the driver to let go', () => !driver.isDriving(ref));
    assert.deepEqual(
      model.runs().map((r) => [r.search?.trial, r.state]),
      [
        [0, 'completed'],
        [1, 'completed'],
        [2, 'completed'],
      ],
    );
    assert.equal(overlap, 1, 'mlbtc.maxConcurrentRuns (1) trials at a time');
    assert.deepEqual(
      model.runs().map((r) => r.id),
      [0, 1, 2].map((t) => trialRunId(ref.id, t, 0)),
    );
    assert.equal(searchControl(root, ref.id).kind, 'finished');
    driver.adoptOrphans([root]);
    assert.ok(!driver.isDriving(ref), 'a finished search is not driven again');
  });

  it("gives its manager the search's own maxConcurrent as the job-array throttle, else mlbtc.maxConcurrentRuns", async () => {
    const root = path.join(work, 'throttle');
    const throttles: number[] = [];
    const { driver } = window(root, 10, (atOnce) => (throttles.push(atOnce), {}));
    const own = driver.start(root, gridPlan(5, [1e-3, 2e-3], 2), { path: '/w/grid.mlbtc.json', text: '{}' });
    const unsaid = driver.start(root, gridPlan(5, [1e-3, 2e-3]), { path: '/w/other.mlbtc.json', text: '{}' });
    assert.deepEqual(throttles, [2, 1]);
    await until('both searches to finish', () => [own, unsaid].every((ref) => readSearchState(root, ref.id).finishedAt !== null));
  });

  it('a search whose window closed mid-search is taken over by the next window, which finishes it', async () => {
    const root = path.join(work, 'reload');
    const first = window(root, 20);
    const ref = first.driver.start(root, gridPlan(15, [1e-3, 2e-3, 3e-3]), { path: '/w/grid.mlbtc.json', text: '{}' });
    await until('the first trial to run', () => first.model.runs().some((r) => r.state === 'running'));
    first.driver.dispose(); // the window closes: the controller stops driving, the trial trains on
    first.model.dispose();
    const probe = controllerLock(root, ref.id, 'probe');
    await until('the controller lock to be released', () => probe.tryAcquire());
    probe.release();
    assert.equal(searchControl(root, ref.id).kind, 'orphaned', 'neither stopped nor finished, and nobody drives it');

    const second = window(root, 20);
    second.driver.adoptOrphans([root]);
    assert.ok(second.driver.isDriving(ref));
    await until('the search to finish in the second window', () => readSearchState(root, ref.id).finishedAt !== null, 30_000);
    assert.deepEqual(
      second.model.runs().map((r) => r.state),
      ['completed', 'completed', 'completed'],
    );
  });

  it('stops the controller, then pauses the active trials; resuming the search resumes them', async () => {
    const root = path.join(work, 'stop');
    const { model, driver } = window(root, 20);
    const ref = driver.start(root, gridPlan(60, [1e-3, 2e-3]), { path: '/w/grid.mlbtc.json', text: '{}' });
    await until('a trial to run', () => model.runs().some((r) => r.state === 'running'));
    const stopped = await driver.stop(ref);
    assert.deepEqual(
      stopped.map((r) => r.state),
      ['cancelled'],
    );
    assert.ok(!driver.isDriving(ref));
    assert.equal(searchControl(root, ref.id).kind, 'stopped');
    window(root, 20).driver.adoptOrphans([root]);
    await sleep(300);
    // Stopped stays stopped, also for another window: no replacement trial was launched for the stopped one.
    assert.deepEqual(
      new RunStore(root).list().map((r) => [r.search?.trial, r.state]),
      [[0, 'cancelled']],
    );

    driver.drive(ref);
    await until('the resumed search to finish', () => readSearchState(root, ref.id).finishedAt !== null, 30_000);
    const runs = new RunStore(root).list();
    assert.deepEqual(
      runs.map((r) => [r.search?.trial, r.state]),
      [
        [0, 'completed'],
        [1, 'completed'],
      ],
    );
    assert.equal(runs[0]!.id, stopped[0]!.id, 'the paused trial was resumed, not retried');
  });

  it('refuses to drive a search another window drives, but stops it from there: asked through the folder, taken over', async () => {
    const root = path.join(work, 'elsewhere');
    const { model, driver } = window(root, 20);
    const ref = driver.start(root, gridPlan(200, [1e-3, 2e-3]), { path: '/w/grid.mlbtc.json', text: '{}' });
    await until('a trial to run', () => model.runs().some((r) => r.state === 'running'));
    const other = window(root, 20);
    assert.throws(() => other.driver.drive(ref), LockedError);
    other.driver.adoptOrphans([root]);
    assert.ok(!other.driver.isDriving(ref), 'a search with a live controller is not taken over');
    const stopped = await other.driver.stop(ref);
    assert.deepEqual(
      stopped.map((r) => r.state),
      ['cancelled'],
    );
    await until('the driving window to let go', () => !driver.isDriving(ref));
    assert.equal(searchControl(root, ref.id).kind, 'stopped', 'stopped from elsewhere: nobody takes it over');
    assert.equal(searchStopRequestOf(root, ref.id), null, 'the request is answered');
    await sleep(300);
    assert.deepEqual(
      new RunStore(root).list().map((r) => [r.search?.trial, r.state]),
      [[0, 'cancelled']],
    );
  });

  it('Resume in another window takes a search over from the window that drives it, and finishes it there', async () => {
    const root = path.join(work, 'resume-elsewhere');
    const first = window(root, 20);
    const ref = first.driver.start(root, gridPlan(30, [1e-3, 2e-3]), { path: '/w/grid.mlbtc.json', text: '{}' });
    await until('a trial to run', () => first.model.runs().some((r) => r.state === 'running'));
    const second = window(root, 20);
    await second.driver.resume(ref);
    assert.ok(second.driver.isDriving(ref));
    await until('the first window to let go', () => !first.driver.isDriving(ref));
    await until('the search to finish', () => readSearchState(root, ref.id).finishedAt !== null, 30_000);
    assert.deepEqual(
      new RunStore(root).list().map((r) => [r.id, r.state]),
      [0, 1].map((t) => [trialRunId(ref.id, t, 0), 'completed']),
      'the trial running at the handover went on; nothing was stopped or started twice',
    );
  });

  it('replaces a ghost window (its process lives, its window is gone) mid-search: queue and search; no trial twice', async () => {
    const root = path.join(work, 'ghost');
    const plan = gridPlan(150, [1e-3, 2e-3, 3e-3]); // 3 s a trial: the window arrives while the ghost drives
    const { id } = createSearchFolder(root, plan, { path: '/w/grid.mlbtc.json', text: '{}' });
    const ref: SearchRef = { root: path.resolve(root), id };
    // Run from source: bundled, the run manager's optional dependencies do not resolve.
    const ghost = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/unit/runs.ghostWindow.ts'), root, id], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    ghosts.push(ghost);
    const lines: string[] = [];
    ghost.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().trim().split('\n')));
    await until(
      'the ghost to own the queue and launch trial 0',
      () => lines.includes('queue owner') && lines.includes('launched 0'),
      20_000,
    );
    // A new window on the folder: its manager takes the queue once the ghost's heartbeat is stale, and starts trial 0.
    const { model, driver } = window(root, 20);
    await until('the window to start trial 0', () => model.runs().some((r) => r.state === 'running'));
    assert.ok(model.manager(root)!.ownsQueue);
    // The window looks for searches without a controller as the run service does, every heartbeat period.
    const looking = setInterval(() => driver.adoptOrphans([root]), 200);
    await until('the window to take the search over', () => driver.isDriving(ref), 10_000);
    clearInterval(looking);
    await until('the ghost to notice', () => lines.some((l) => l.startsWith('end ')), 10_000);
    assert.ok(lines.includes(`end taken over ${process.pid}`) && lines.includes('queue lost'), JSON.stringify(lines));
    assert.equal(ghost.exitCode, null, 'the ghost lives on; it just no longer drives the search');
    await until('the search to finish', () => readSearchState(root, id).finishedAt !== null, 30_000);
    const runs = new RunStore(root).list();
    assert.deepEqual(
      runs.map((r) => [r.id, r.state]),
      [0, 1, 2].map((t) => [trialRunId(id, t, 0), 'completed']),
    );
  });

  it('a search it cannot take over is reported once, not every heartbeat, until Resume tries again', () => {
    const root = path.join(work, 'unreadable');
    const { id } = createSearchFolder(root, gridPlan(10, [1e-3]), { path: '/w/grid.mlbtc.json', text: '{}' });
    fs.writeFileSync(path.join(searchDir(root, id), SearchFiles.search), '{ torn');
    const warnings: string[] = [];
    const log: LogSink = { info: () => {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
    const model = new RunsModel((r) => new RunManager({ runsDir: r, queue: 'never' }).open());
    models.push(model);
    const driver = new SearchDriver(model, log, 'test window', () => 1);
    drivers.push(driver);
    for (let i = 0; i < 3; i++) driver.adoptOrphans([root]);
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0]!, new RegExp(`\\[search ${id}\\] not taken over: .*search\\.json.*Resume it to try again`));
    assert.throws(() => driver.drive({ root: path.resolve(root), id }), /search\.json/, 'an explicit drive tries again and says why');
  });
});
