/**
 * The window's runs model and what hangs off it (the live-losses source, the output channel's run log, the
 * trade-offs run points), driven by real run managers and the fixture worker (runs.fixtureWorker.ts: the real
 * run-folder writer, sleeping instead of training), so every event path is the one the editor uses, without VS Code.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyze } from '../../src/core/analysis';
import type { SourceEvent } from '../../src/extension/panels/losses/runSource';
import { ModelSeriesSource } from '../../src/extension/runs/lossesSource';
import { RunLog, type LogSink } from '../../src/extension/runs/runLog';
import { RunsModel, type ModelEvent } from '../../src/extension/runs/runsModel';
import { RunTradeoffs } from '../../src/extension/runs/tradeoffRuns';
import { parseMetricLines, RunFiles, type MetricRecord } from '../../src/protocol/run';
import { launchDetachedWorker } from '../../src/runs/launch';
import { RunManager } from '../../src/runs/manager';
import { isProcessAlive } from '../../src/runfolder/process';
import { RunStore, type RunInfo } from '../../src/runs/store';
import { fixtureLoss } from './runs.fixtureWorker';
import { bundle, removeWorkAndWorkers, newRun, sleep, tempDir, tinySpec } from './runs.helpers';

let work: string;
let fixture: string;
const models: RunsModel[] = [];

before(() => {
  work = tempDir('runs-model');
  fixture = bundle('test/unit/runs.fixtureWorker.ts', work, 'fixture-worker');
});
after(() => {
  for (const m of models) m.dispose();
  removeWorkAndWorkers(work);
});

/** A model whose managers start fixture workers taking `stepMs` per step, as the RunService's would start dist/worker.js. */
function model(stepMs = 10): RunsModel {
  process.env.FIXTURE_STEP_MS = String(stepMs);
  process.env.FIXTURE_IGNORE_SIGTERM = '0';
  const m = new RunsModel((root) =>
    new RunManager({ runsDir: root, launcher: launchDetachedWorker(fixture), pollMs: 50, owner: 'test window' }).open(),
  );
  models.push(m);
  return m;
}

/** The wall time of a run's last train record, as the file has it: what latestLoss reports beside step and loss. */
function lastTrainWallMs(dir: string): number {
  const train = parseMetricLines(fs.readFileSync(path.join(dir, RunFiles.metrics), 'utf8')).filter((r) => r.kind === 'train');
  return train.at(-1)!.wallMs;
}

function root(name: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

const fileRecords = (run: RunInfo): MetricRecord[] => parseMetricLines(fs.readFileSync(path.join(run.dir, RunFiles.metrics), 'utf8'));

/** Resolve with the first model event that satisfies `accept`. */
function nextEvent(m: RunsModel, accept: (e: ModelEvent) => boolean, timeoutMs = 10_000): Promise<ModelEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no matching model event within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = m.onEvent((e) => {
      if (!accept(e)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

const completed = (id: string) => (e: ModelEvent) => e.event.type === 'state' && e.event.run.id === id && e.event.run.state === 'completed';

describe('RunsModel', () => {
  it('lists the runs already there with the latest training loss read from the file', async () => {
    const dir = root('existing');
    const m1 = model();
    m1.setRoots([dir]);
    const run = m1.manager(dir)!.enqueue(newRun(tinySpec({ steps: 12, seed: 3 })));
    await nextEvent(m1, completed(run.id));
    m1.dispose();

    const m2 = model();
    m2.setRoots([dir]);
    assert.deepEqual(
      m2.runs().map((r) => [r.id, r.state]),
      [[run.id, 'completed']],
    );
    // The fixture's loss of step s is a pure function of (seed, s): the last train record is step 12's.
    assert.deepEqual(m2.latestLoss(run.id), { step: 12, loss: fixtureLoss(3, 12), wallMs: lastTrainWallMs(run.dir) });
  });

  it('follows a new run through its states and keeps its latest loss from the metric events', async () => {
    const dir = root('live');
    const m = model();
    m.setRoots([dir]);
    const states: string[] = [];
    const losses: number[] = [];
    m.onEvent(({ event }) => {
      if (event.type === 'state') states.push(`${event.previous}→${event.run.state}`);
      if (event.type === 'metrics') losses.push(m.latestLoss(event.id)!.step);
    });
    const run = m.manager(dir)!.enqueue(newRun(tinySpec({ steps: 20, seed: 5 })));
    assert.equal(m.run(run.id)?.state, 'queued', 'the run is in the model as soon as it is created');
    await nextEvent(m, completed(run.id));
    assert.deepEqual(states, ['queued→running', 'running→completed']);
    assert.deepEqual(m.latestLoss(run.id), { step: 20, loss: fixtureLoss(5, 20), wallMs: lastTrainWallMs(run.dir) });
    assert.ok(
      losses.length >= 1 && losses.every((s, i) => i === 0 || s >= losses[i - 1]!),
      `latest steps never go back: ${losses.join(',')}`,
    );
  });

  it('forgets the runs of a root it stops following, and announces the change', async () => {
    const a = root('roots-a');
    const b = root('roots-b');
    const m = model();
    m.setRoots([a]);
    const run = m.manager(a)!.enqueue(newRun(tinySpec({ steps: 2 })));
    let changes = 0;
    m.onRootsChanged(() => changes++);
    m.setRoots([b]);
    assert.equal(changes, 1);
    assert.equal(m.run(run.id), undefined);
    assert.deepEqual(m.roots, [path.resolve(b)]);
    m.setRoots([b]);
    assert.equal(changes, 1, 'the same roots again change nothing');
    // The run trained on without a manager watching it: the next window finds it.
    await sleep(300);
    m.setRoots([a]);
    assert.equal(m.run(run.id)?.id, run.id);
  });

  it('reattaches to a run that outlived the window that started it', async () => {
    const dir = root('reattach');
    const first = model(40);
    first.setRoots([dir]);
    const run = first.manager(dir)!.enqueue(newRun(tinySpec({ steps: 40, seed: 1 })));
    await nextEvent(first, (e) => e.event.type === 'state' && e.event.run.state === 'running');
    first.dispose(); // the window reloads: its manager stops watching, the detached worker trains on
    const pid = first.run(run.id)?.status?.pid ?? new RunStore(dir).get(run.id).status!.pid!;
    assert.ok(isProcessAlive(pid), 'the worker survived its manager');

    const second = model(40);
    second.setRoots([dir]);
    assert.equal(second.run(run.id)?.state, 'running');
    const progress = nextEvent(second, (e) => e.event.type === 'progress' && e.event.run.id === run.id);
    await progress;
    await nextEvent(second, completed(run.id), 15_000);
    assert.deepEqual(second.latestLoss(run.id), { step: 40, loss: fixtureLoss(1, 40), wallMs: lastTrainWallMs(run.dir) });
  });
});

describe('ModelSeriesSource (the live-losses panel fed by the model)', () => {
  it('streams each record of a followed run exactly once, from the start of its file', async () => {
    const dir = root('source');
    const m = model(20);
    m.setRoots([dir]);
    const source = new ModelSeriesSource(m);
    const events: SourceEvent[] = [];
    source.onEvent((e) => events.push(e));
    const run = m.manager(dir)!.enqueue(newRun(tinySpec({ steps: 30, seed: 2 })));
    await nextEvent(m, (e) => e.event.type === 'metrics' && e.event.id === run.id);
    // The panel asks for the run mid-training: it first gets every record so far, then the new ones.
    source.follow([run.id]);
    await nextEvent(m, completed(run.id), 15_000);
    await sleep(20);
    const records = events.filter((e): e is Extract<SourceEvent, { kind: 'records' }> => e.kind === 'records' && e.runId === run.id);
    assert.equal(records[0]?.reset, true);
    assert.ok(records.length > 2, `records arrive in several updates while the run trains (${records.length})`);
    const lastReset = records.map((e) => e.reset).lastIndexOf(true);
    const received = records.slice(lastReset).flatMap((e) => e.records);
    assert.deepEqual(received, fileRecords(m.run(run.id)!));
    // The run list followed the run's states.
    const lists = events
      .filter((e): e is Extract<SourceEvent, { kind: 'runs' }> => e.kind === 'runs')
      .map((e) => e.runs.find((r) => r.id === run.id)?.state);
    assert.deepEqual([...new Set(lists)], ['queued', 'running', 'completed']);
    source.dispose();
  });

  it('lists the newest run first and follows a run that is listed only later', async () => {
    const dir = root('source-order');
    const m = model();
    const source = new ModelSeriesSource(m);
    const events: SourceEvent[] = [];
    source.onEvent((e) => events.push(e));
    // A restored panel asks for its saved runs before the window follows their directory.
    const store = new RunStore(dir);
    const older = store.create(newRun(tinySpec({ steps: 1 }), '/w/a.mlbtc.json'), new Date('2026-01-01T00:00:00Z'));
    const newer = store.create(newRun(tinySpec({ steps: 1 }), '/w/b.mlbtc.json'), new Date('2026-01-02T00:00:00Z'));
    source.follow([older.id]);
    assert.equal(events.length, 0);
    m.setRoots([dir]);
    await sleep(0);
    assert.deepEqual(
      source.list().map((r) => r.id),
      [newer.id, older.id],
    );
    assert.ok(events.some((e) => e.kind === 'records' && e.runId === older.id && e.reset));
    source.dispose();
  });
});

describe('RunLog (the output channel)', () => {
  it('says each state change once and forwards the worker log of runs that appear', async () => {
    const dir = root('log');
    const m = model();
    const lines: string[] = [];
    const sink: LogSink = {
      info: (s) => lines.push(`info ${s}`),
      warn: (s) => lines.push(`warn ${s}`),
      error: (s) => lines.push(`error ${s}`),
    };
    const log = new RunLog(m, sink);
    m.setRoots([dir]);
    const run = m.manager(dir)!.enqueue(newRun(tinySpec({ steps: 10 })));
    await nextEvent(m, completed(run.id));
    const mine = lines.filter((l) => l.includes(`[${run.id}]`));
    assert.equal(mine.filter((l) => l.includes('queued → running')).length, 1);
    assert.equal(mine.filter((l) => /running → completed at step 10 of 10: completed 10 steps$/.test(l)).length, 1, mine.join('\n'));
    // The fixture's own line from worker.log, once, without its timestamp.
    const workerLines = mine.filter((l) => l.includes('fixture worker pid'));
    assert.equal(workerLines.length, 1, mine.join('\n'));
    assert.match(workerLines[0]!, /^info \[[^\]]+\] fixture worker pid \d+ starting$/);
    log.dispose();
  });

  it('does not repeat the log of runs that were there before', async () => {
    const dir = root('log-old');
    const m1 = model();
    m1.setRoots([dir]);
    const run = m1.manager(dir)!.enqueue(newRun(tinySpec({ steps: 3 })));
    await nextEvent(m1, completed(run.id));
    m1.dispose();
    const m2 = model();
    const lines: string[] = [];
    const log = new RunLog(m2, { info: (s) => lines.push(s), warn: (s) => lines.push(s), error: (s) => lines.push(s) });
    m2.setRoots([dir]);
    await sleep(200);
    assert.deepEqual(
      lines.filter((l) => l.includes(run.id)),
      [],
    );
    log.dispose();
  });
});

describe('RunTradeoffs (completed runs in the trade-offs panel)', () => {
  it('plots a completed run with its last val.loss and the analysis of the spec it trained', async () => {
    const dir = root('tradeoffs');
    const m = model();
    m.setRoots([dir]);
    const tradeoffs = new RunTradeoffs(m);
    let changes = 0;
    tradeoffs.onDidChange(() => changes++);
    const spec = tinySpec({ steps: 12, evalEvery: 5, seed: 7 });
    const run = m.manager(dir)!.enqueue(newRun(spec, '/work/specs/tiny.mlbtc.json'));
    assert.deepEqual(tradeoffs.points(), [], 'a queued run has no final loss');
    await nextEvent(m, completed(run.id));
    assert.ok(changes >= 1);
    const points = tradeoffs.points();
    assert.equal(points.length, 1);
    const a = analyze(spec);
    // Evaluations at steps 5 and 10; the fixture's val.loss is its train loss + 0.1.
    // Labelled with the structure's name and the run's creation time (local, today).
    const created = new Date(run.createdAt);
    const time = [created.getHours(), created.getMinutes(), created.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    assert.deepEqual(points[0], {
      id: `run:${run.id}`,
      label: `tiny · ${time}`,
      source: 'run',
      uri: 'file:///work/specs/tiny.mlbtc.json',
      macsPerToken: a.macs.perToken,
      macsPerSequence: a.macs.perSequence,
      rank: a.rank.scoring,
      rankMax: a.rank.max,
      rankSpace: a.rank.space,
      taskKind: spec.task.kind,
      params: a.params.total,
      finalLoss: fixtureLoss(7, 10) + 0.1,
    });
    const before = changes;
    m.manager(dir)!.delete(run.id); // the manager's tick reports the removal at once
    assert.equal(changes, before + 1);
    assert.deepEqual(tradeoffs.points(), []);
    tradeoffs.dispose();
  });
});
