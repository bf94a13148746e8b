import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { createRunFolder } from '../../src/runfolder/runFolder';
import { parseStatus, RunFiles, type RunStatus } from '../../src/protocol/run';
import { StoreError } from '../../src/runs/fsErrors';
import { newRunId, slug, StoreFiles } from '../../src/runs/layout';
import { readIndex } from '../../src/runs/runIndex';
import { groupByExperiment, RunNotFoundError, RunStore } from '../../src/runs/store';
import { isRoot, newRun, tempDir, tinySpec, withFailingFs } from './runs.helpers';

const dirs: string[] = [];
const fresh = (name: string) => {
  const d = tempDir(name);
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const writeStatus = (dir: string, patch: Partial<RunStatus>) => {
  const file = path.join(dir, RunFiles.status);
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), ...patch }));
};

describe('run ids', () => {
  it('are the slugged spec name, a sortable timestamp and four hex digits', () => {
    const id = newRunId('My MLR: 32|8 run!', new Date(2026, 0, 2, 3, 4, 5), () => 0.5);
    assert.equal(id, 'my-mlr-32-8-run-20260102-030405-8000');
    assert.equal(slug('...'), 'run');
    assert.equal(slug('a'.repeat(100)).length, 40);
  });
});

describe('RunStore', () => {
  it('creates a queued run atomically, indexed with its source, and lists it in its experiment', () => {
    const root = path.join(fresh('store'), 'nested', 'runs');
    const store = new RunStore(root);
    const run = store.create(newRun(tinySpec(), '/ws/a.mlbtc.json'));
    assert.equal(run.state, 'queued');
    assert.equal(run.status?.totalSteps, 20);
    assert.deepEqual(run.experiment, { key: 'spec:/ws/a.mlbtc.json', kind: 'spec', label: 'a.mlbtc.json' });
    assert.deepEqual(fs.readdirSync(root).sort(), [StoreFiles.index, run.id].sort(), 'no temp folder left');
    assert.equal(store.readSpec(run.id).name, run.id);
    const listed = store.list();
    assert.deepEqual(
      listed.map((r) => r.id),
      [run.id],
    );
    assert.equal(readIndex(root).get(run.id)?.source, '/ws/a.mlbtc.json');
  });

  it('draws another id when one is taken, even when the clash shows only at the final rename', () => {
    const root = fresh('clash');
    const store = new RunStore(root);
    const now = new Date(2026, 0, 1);
    const realRandom = Math.random;
    const draws = [0.5, 0.5, 0.5, 0.25];
    Math.random = () => draws.shift() ?? realRandom();
    try {
      const first = store.create(newRun(tinySpec()), now);
      // The second draw repeats the first id: existsSync catches it, the third draw too, but pretend it did not
      // (a creator in another process claiming the id in between): the rename onto the run folder fails instead.
      const mutable = require('node:fs') as { existsSync: typeof fs.existsSync };
      const realExists = mutable.existsSync;
      let lied = false;
      mutable.existsSync = ((p: fs.PathLike) =>
        !lied && String(p) === first.dir ? ((lied = true), false) : realExists(p)) as typeof fs.existsSync;
      let second;
      try {
        second = store.create(newRun(tinySpec()), now);
      } finally {
        mutable.existsSync = realExists;
      }
      assert.ok(lied, 'the clash went through to the rename');
      assert.equal(first.id, 'tiny-20260101-000000-8000');
      assert.equal(second.id, 'tiny-20260101-000000-4000');
      assert.equal(store.readSpec(first.id).name, first.id, 'the first run is intact');
      assert.deepEqual(
        store
          .list()
          .map((r) => r.id)
          .sort(),
        [second.id, first.id].sort(),
      );
      assert.deepEqual(
        fs.readdirSync(root).filter((n) => n.startsWith('.tmp')),
        [],
      );
    } finally {
      Math.random = realRandom;
    }
  });

  it('creates a run under a given id once: a second creation under that id fails and changes nothing', () => {
    const store = new RunStore(path.join(fresh('fixed-id'), 'runs'));
    const first = store.create({ ...newRun(tinySpec()), id: 'search-x-t0-r0' });
    assert.equal(first.id, 'search-x-t0-r0');
    assert.throws(
      () => store.create({ ...newRun(tinySpec({ steps: 7 })), id: 'search-x-t0-r0' }),
      (e: Error) => e instanceof StoreError && e.code === 'EEXIST' && /search-x-t0-r0 already exists/.test(e.message),
    );
    assert.deepEqual(
      store.list().map((r) => r.id),
      ['search-x-t0-r0'],
    );
    assert.equal(store.readSpec(first.id).spec.training.steps, tinySpec().training.steps, 'the first creation stands');
    // A creator killed half way leaves its temp folder: creating the id again is not blocked by it.
    const leftover = path.join(store.root, `${StoreFiles.tmpPrefix}create-search-x-t1-r0`);
    fs.mkdirSync(leftover);
    fs.writeFileSync(path.join(leftover, RunFiles.spec), '{}');
    assert.equal(store.create({ ...newRun(tinySpec()), id: 'search-x-t1-r0' }).id, 'search-x-t1-r0');
  });

  it('adopts a run folder made without the store (mlbtc train) once, then lists it from the index', () => {
    const root = fresh('adopt');
    const store = new RunStore(root);
    const dir = path.join(root, 'tiny-20260101-000000');
    createRunFolder(dir, { spec: tinySpec(), sourcePath: '/ws/b.mlbtc.json', sourceText: '{}', overrides: { steps: 20 } });
    assert.deepEqual(
      store.list().map((r) => [r.id, r.source, r.state]),
      [['tiny-20260101-000000', '/ws/b.mlbtc.json', 'queued']],
    );
    assert.equal(readIndex(root).get('tiny-20260101-000000')?.source, '/ws/b.mlbtc.json');
    // Listing no longer needs spec.json: a second store (no cache) still knows the source.
    fs.rmSync(path.join(dir, RunFiles.spec));
    assert.equal(new RunStore(root).list()[0]?.source, '/ws/b.mlbtc.json');
  });

  it('shows a run with a broken status as unknown with the reason, and ignores folders that are not runs', () => {
    const root = fresh('broken');
    const store = new RunStore(root);
    const run = store.create(newRun(tinySpec()));
    fs.writeFileSync(path.join(run.dir, RunFiles.status), '{"version":1,"state":"runn');
    fs.mkdirSync(path.join(root, 'not-a-run'));
    fs.mkdirSync(path.join(root, '.hidden'));
    fs.writeFileSync(path.join(root, 'stray.txt'), 'x');
    const [listed, ...rest] = store.list();
    assert.equal(rest.length, 0);
    assert.equal(listed?.state, 'unknown');
    assert.match(listed?.problem ?? '', /status\.json: not valid JSON/);
  });

  it('reads a running status with a stale heartbeat as interrupted', () => {
    const store = new RunStore(fresh('stale'));
    const run = store.create(newRun(tinySpec()));
    writeStatus(run.dir, { state: 'running', pid: process.pid, heartbeat: new Date(Date.now() - 120_000).toISOString() });
    assert.equal(store.get(run.id).state, 'interrupted');
    writeStatus(run.dir, { heartbeat: new Date().toISOString() });
    assert.equal(store.get(run.id).state, 'running');
  });

  it('finds runs by unambiguous prefix and says what is wrong otherwise', () => {
    const store = new RunStore(fresh('prefix'));
    const a = store.create(newRun(tinySpec({}, 'alpha')));
    store.create(newRun(tinySpec({}, 'beta')));
    store.create(newRun(tinySpec({}, 'beta')));
    assert.equal(store.get('alpha').id, a.id);
    assert.equal(store.get(a.id).id, a.id);
    assert.throws(
      () => store.get('beta'),
      (e: Error) => e instanceof RunNotFoundError && /matches 2 runs/.test(e.message),
    );
    assert.throws(
      () => store.get('gamma'),
      (e: Error) => e instanceof RunNotFoundError && /No run "gamma".*mlbtc runs/.test(e.message),
    );
  });

  it('groups runs by source spec and by search', () => {
    const store = new RunStore(fresh('groups'));
    store.create(newRun(tinySpec(), '/ws/a.mlbtc.json'));
    store.create({ ...newRun(tinySpec(), '/ws/a.mlbtc.json'), search: { id: 's1', trial: 0, rung: 0 } });
    store.create(newRun(tinySpec(), '/ws/b.mlbtc.json'));
    store.create({ ...newRun(tinySpec(), '/ws/a.mlbtc.json'), search: { id: 's1', trial: 1, rung: 0 } });
    store.create(newRun(tinySpec(), '/ws/a.mlbtc.json'));
    const groups = groupByExperiment(store.list());
    assert.deepEqual(
      groups.map((g) => [g.experiment.key, g.runs.length]),
      [
        ['spec:/ws/a.mlbtc.json', 2],
        ['search:s1', 2],
        ['spec:/ws/b.mlbtc.json', 1],
      ],
    );
    assert.deepEqual(
      groups[1]!.runs.map((r) => r.search?.trial),
      [0, 1],
    );
  });

  it('refuses to delete a running run, deletes a finished one without leaving anything behind', () => {
    const root = fresh('delete');
    const store = new RunStore(root);
    const run = store.create(newRun(tinySpec()));
    writeStatus(run.dir, { state: 'running', pid: process.pid, heartbeat: new Date().toISOString() });
    assert.throws(
      () => store.remove(run.id),
      (e: Error) => e instanceof StoreError && e.code === 'EBUSY' && /stop it first/.test(e.message),
    );
    assert.ok(fs.existsSync(run.dir));
    writeStatus(run.dir, { state: 'completed', pid: null });
    store.remove(run.id);
    assert.deepEqual(fs.readdirSync(root), [StoreFiles.index]);
    assert.deepEqual(store.list(), []);
  });
});

describe('RunStore on a full or unwritable disk', () => {
  it('a full disk while writing the run is a clear error, and no run is left half-created', () => {
    const root = fresh('enospc');
    const store = new RunStore(root);
    store.create(newRun(tinySpec())); // the index exists already
    const before = fs.readdirSync(root).sort();
    // Every write fails: spec.json cannot even be written.
    assert.throws(
      () => withFailingFs(['writeSync', 'appendFileSync'], 'ENOSPC', () => store.create(newRun(tinySpec({}, 'full')))),
      (e: Error) =>
        e instanceof StoreError && e.code === 'ENOSPC' && /disk is full/.test(e.message) && /No run was created/.test(e.message),
    );
    assert.deepEqual(fs.readdirSync(root).sort(), before);
    // Only the index append fails: the run folder is complete but must not appear either.
    assert.throws(() => withFailingFs(['appendFileSync'], 'ENOSPC', () => store.create(newRun(tinySpec({}, 'full')))), StoreError);
    assert.deepEqual(fs.readdirSync(root).sort(), before);
    assert.equal(store.list().length, 1);
  });

  it('an unwritable runs directory is a clear error naming the folder, and nothing is created', () => {
    const root = fresh('readonly');
    const store = new RunStore(root);
    if (isRoot) {
      // root ignores permission bits: simulate a read-only mount instead.
      assert.throws(
        () => withFailingFs(['mkdirSync', 'openSync'], 'EROFS', () => store.create(newRun(tinySpec()))),
        (e: Error) => e instanceof StoreError && e.message.includes(root) && /read-only/.test(e.message),
      );
    } else {
      fs.chmodSync(root, 0o555);
      try {
        assert.throws(
          () => store.create(newRun(tinySpec())),
          (e: Error) => e instanceof StoreError && e.message.includes(root) && /permission denied/.test(e.message),
        );
      } finally {
        fs.chmodSync(root, 0o755);
      }
    }
    assert.deepEqual(fs.readdirSync(root), []);
  });

  it('a runs directory below a file is a clear error', () => {
    const file = path.join(fresh('notdir'), 'file');
    fs.writeFileSync(file, '');
    assert.throws(
      () => new RunStore(path.join(file, 'runs')).create(newRun(tinySpec())),
      (e: Error) => e instanceof StoreError && /a file stands where a folder is expected/.test(e.message),
    );
  });
});

describe('status.json, read defensively', () => {
  it('says which field is wrong', () => {
    const ok = {
      version: 1,
      state: 'running',
      pid: 1,
      heartbeat: null,
      backend: null,
      startedAt: null,
      endedAt: null,
      exitReason: null,
      step: 3,
      totalSteps: 9,
    };
    assert.ok(parseStatus(JSON.stringify(ok), 's').status);
    assert.match(parseStatus(JSON.stringify({ ...ok, step: 'x' }), 's').problem!, /"step" should be a number \(got "x"\)/);
    assert.match(parseStatus(JSON.stringify({ ...ok, state: 'paused' }), 's').problem!, /state "paused" is not one of queued, running/);
    assert.match(parseStatus(JSON.stringify({ ...ok, version: 2 }), 's').problem!, /version 2/);
    assert.match(parseStatus('[]', 's').problem!, /not a JSON object/);
  });
});
