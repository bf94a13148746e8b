/**
 * Searches driven from the window (SearchDriver) with real managers and the fixture worker: a search runs to its end
 * and is then forgotten; one interrupted by the window closing is remembered and finished by the next window; a
 * stopped one stops its trials and stays stopped; a search another window drives is not driven twice, and Stop
 * there asks it to let go through the search folder and then pauses its trials.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as vscode from 'vscode';
import type { StructureSpec } from '../../src/core/spec/schema';
import type { LogSink } from '../../src/extension/runs/runLog';
import { RunsModel } from '../../src/extension/runs/runsModel';
import { SearchDriver, type SearchRef } from '../../src/extension/runs/searchDriver';
import { launchDetachedWorker } from '../../src/runs/launch';
import { LockedError } from '../../src/runfolder/lock';
import { RunManager } from '../../src/runs/manager';
import { planSearch } from '../../src/runs/search/plan';
import { controllerLock, readSearchState } from '../../src/runs/search/searchFolder';
import { searchStopRequestOf } from '../../src/runs/search/searchStop';
import { RunStore } from '../../src/runs/store';
import { bundle, removeWorkAndWorkers, sleep, tempDir, tinyRawSpec } from './runs.helpers';

let work: string;
let fixture: string;
const models: RunsModel[] = [];
const drivers: SearchDriver[] = [];

before(() => {
  work = tempDir('search-driver');
  fixture = bundle('test/unit/runs.fixtureWorker.ts', work, 'fixture-worker');
});
after(async () => {
  for (const d of drivers) d.dispose();
  await sleep(600); // controllers notice and release their locks
  for (const m of models) m.dispose();
  removeWorkAndWorkers(work);
});

/** The workspace state VS Code gives an extension, in memory. */
class MemoryMemento implements Pick<vscode.Memento, 'get' | 'update'> {
  private readonly values = new Map<string, unknown>();
  get<T>(key: string, fallback?: T): T {
    return (this.values.has(key) ? this.values.get(key) : fallback) as T;
  }
  update(key: string, value: unknown): Thenable<void> {
    this.values.set(key, value);
    return Promise.resolve();
  }
}

const quiet: LogSink = { info: () => {}, warn: () => {}, error: () => {} };

function window(root: string, memento: MemoryMemento, stepMs = 10): { model: RunsModel; driver: SearchDriver } {
  process.env.FIXTURE_STEP_MS = String(stepMs);
  process.env.FIXTURE_IGNORE_SIGTERM = '0';
  const model = new RunsModel((r) =>
    new RunManager({ runsDir: r, launcher: launchDetachedWorker(fixture), pollMs: 50, owner: 'test window' }).open(),
  );
  model.setRoots([root]);
  const driver = new SearchDriver(model, memento as unknown as vscode.Memento, quiet, 'test window', () => 1);
  models.push(model);
  drivers.push(driver);
  return { model, driver };
}

function gridPlan(steps: number, lrs: number[]) {
  return planSearch({
    ...tinyRawSpec({ steps, evalEvery: 5, checkpointEvery: 5 }, 'grid'),
    search: { strategy: 'grid', space: { 'training.lr': { choice: lrs } } } as unknown as StructureSpec['search'],
  });
}

const remembered = (memento: MemoryMemento) => memento.get<SearchRef[]>('mlbtc.drivenSearches', []).map((r) => r.id);

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('SearchDriver', () => {
  it('drives a grid to its end, one trial at a time, then forgets it', async () => {
    const root = path.join(work, 'finish');
    const memento = new MemoryMemento();
    const { model, driver } = window(root, memento);
    const ref = driver.start(root, gridPlan(10, [1e-3, 2e-3, 3e-3]), { path: '/w/grid.mlbtc.json', text: '{}' });
    assert.deepEqual(remembered(memento), [ref.id]);
    assert.ok(driver.isDriving(ref));
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
    assert.deepEqual(remembered(memento), []);
  });

  it('is remembered when the window closes mid-search, and the next window finishes it', async () => {
    const root = path.join(work, 'reload');
    const memento = new MemoryMemento();
    const first = window(root, memento, 20);
    const ref = first.driver.start(root, gridPlan(15, [1e-3, 2e-3, 3e-3]), { path: '/w/grid.mlbtc.json', text: '{}' });
    await until('the first trial to run', () => first.model.runs().some((r) => r.state === 'running'));
    first.driver.dispose(); // the window closes: the controller stops driving, the trial trains on
    first.model.dispose();
    const probe = controllerLock(root, ref.id, 'probe');
    await until('the controller lock to be released', () => probe.tryAcquire());
    probe.release();
    assert.deepEqual(remembered(memento), [ref.id]);

    const second = window(root, memento, 20);
    assert.ok(second.driver.hasRemembered());
    second.driver.continueRemembered();
    assert.ok(second.driver.isDriving(ref));
    await until('the search to finish in the second window', () => readSearchState(root, ref.id).finishedAt !== null, 30_000);
    assert.deepEqual(
      second.model.runs().map((r) => r.state),
      ['completed', 'completed', 'completed'],
    );
    await until('it to be forgotten', () => remembered(memento).length === 0);
  });

  it('stops the controller, then pauses the active trials; resuming the search resumes them', async () => {
    const root = path.join(work, 'stop');
    const memento = new MemoryMemento();
    const { model, driver } = window(root, memento, 20);
    const ref = driver.start(root, gridPlan(60, [1e-3, 2e-3]), { path: '/w/grid.mlbtc.json', text: '{}' });
    await until('a trial to run', () => model.runs().some((r) => r.state === 'running'));
    const stopped = await driver.stop(ref);
    assert.deepEqual(
      stopped.map((r) => r.state),
      ['cancelled'],
    );
    assert.ok(!driver.isDriving(ref));
    assert.deepEqual(remembered(memento), []);
    await sleep(300);
    // Stopped stays stopped: no replacement trial was launched for the stopped one.
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
    const memento = new MemoryMemento();
    const { model, driver } = window(root, memento, 20);
    const ref = driver.start(root, gridPlan(200, [1e-3, 2e-3]), { path: '/w/grid.mlbtc.json', text: '{}' });
    await until('a trial to run', () => model.runs().some((r) => r.state === 'running'));
    const other = window(root, new MemoryMemento(), 20);
    assert.throws(() => other.driver.drive(ref), LockedError);
    const stopped = await other.driver.stop(ref);
    assert.deepEqual(
      stopped.map((r) => r.state),
      ['cancelled'],
    );
    await until('the driving window to let go', () => !driver.isDriving(ref));
    assert.deepEqual(remembered(memento), [], 'stopped from elsewhere: not continued after a reload');
    assert.equal(searchStopRequestOf(root, ref.id), null, 'the request is answered');
    await sleep(300);
    assert.deepEqual(
      new RunStore(root).list().map((r) => [r.search?.trial, r.state]),
      [[0, 'cancelled']],
    );
  });
});
