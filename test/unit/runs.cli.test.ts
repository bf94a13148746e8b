/**
 * The run commands of the built CLI (dist/cli.js and dist/worker.js, built into a temp folder): runs, stop, resume,
 * export, search. The CLI is a second manager next to one owned by this test process: they must not collide.
 * The end-to-end search (ASHA, 8 trials, controller killed and resumed) is the brief's "done when" check.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunFiles, formatMetricLine, type MetricRecord } from '../../src/protocol/run';
import { launchDetachedWorker } from '../../src/runs/launch';
import { RunManager } from '../../src/runs/manager';
import { forEachMetric } from '../../src/runs/metrics';
import { isProcessAlive } from '../../src/runfolder/process';
import {
  createSearchFolder,
  listSearchIds,
  readSearchFile,
  readSearchState,
  SearchFiles,
  searchDir,
} from '../../src/runs/search/searchFolder';
import { planSearch } from '../../src/runs/search/plan';
import { controllerLockOwner } from '../../src/runs/search/controller';
import type { StructureSpec } from '../../src/core/spec/schema';
import { trialRuns } from '../../src/runs/search/trialRuns';
import { RunStore } from '../../src/runs/store';
import { bundle, newRun, repoRoot, sleep, tempDir, tinyRawSpec, tinySpec } from './runs.helpers';

let work: string;
let cli: string;
let fixture: string;
const managers: RunManager[] = [];

before(() => {
  work = tempDir('cli');
  const dist = path.join(work, 'dist');
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs'), '--only=cli,worker', `--outdir=${dist}`], {
    stdio: 'inherit',
  });
  cli = path.join(dist, 'cli.js');
  fixture = bundle('test/unit/runs.fixtureWorker.ts', work, 'fixture-worker');
});
after(() => {
  for (const m of managers) m.close();
  for (const runsDir of fs.readdirSync(work).map((d) => path.join(work, d, '.mlbtc', 'runs'))) {
    if (!fs.existsSync(runsDir)) continue;
    for (const r of new RunStore(runsDir).list()) if (r.status?.pid && isProcessAlive(r.status.pid)) process.kill(r.status.pid, 'SIGKILL');
  }
  fs.rmSync(work, { recursive: true, force: true });
});

/** A workspace folder (with .git, so the CLI finds .mlbtc/runs in it). */
function workspace(name: string): { dir: string; runs: string } {
  const dir = path.join(work, name);
  fs.mkdirSync(path.join(dir, '.git'), { recursive: true });
  return { dir, runs: path.join(dir, '.mlbtc', 'runs') };
}

function mlbtc(cwd: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, MLBTC_RUNS_DIR: '' },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const records = (dir: string) => {
  const out: MetricRecord[] = [];
  forEachMetric(path.join(dir, RunFiles.metrics), (r) => void out.push(r));
  return out;
};

describe('mlbtc runs / export', () => {
  it('lists runs by experiment, as a table and as JSON', () => {
    const ws = workspace('list');
    const store = new RunStore(ws.runs);
    const a = store.create(newRun(tinySpec({}, 'alpha'), path.join(ws.dir, 'a.mlbtc.json')));
    const b = store.create({
      ...newRun(tinySpec({}, 'beta'), path.join(ws.dir, 'b.mlbtc.json')),
      search: { id: 'beta-search', trial: 3, rung: 1 },
    });
    const table = mlbtc(path.join(ws.dir), 'runs');
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      new RegExp(
        `a\\.mlbtc\\.json  \\(${ws.dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/a\\.mlbtc\\.json\\)\\n.*\\n  ${a.id}  queued +0/20`,
      ),
    );
    assert.match(table.stdout, /search beta-search\n/);
    const json = JSON.parse(mlbtc(ws.dir, 'runs', '--json').stdout) as {
      id: string;
      state: string;
      experiment: string;
      search?: object;
      totalSteps: number;
    }[];
    assert.deepEqual(
      json.map((r) => [r.id, r.state, r.experiment, r.totalSteps]),
      [
        [a.id, 'queued', `spec:${ws.dir}/a.mlbtc.json`, 20],
        [b.id, 'queued', 'search:beta-search', 20],
      ],
    );
    assert.deepEqual(json[1]!.search, { id: 'beta-search', trial: 3, rung: 1 });
    const empty = mlbtc(work, 'runs', '--runs', path.join(work, 'nothing'));
    assert.match(empty.stdout, /^No runs in .*nothing\. Start one with `mlbtc train FILE`/);
  });

  it('exports metrics as CSV: one header, one row per record, train and eval columns, quoted where needed', () => {
    const ws = workspace('export');
    const run = new RunStore(ws.runs).create(newRun(tinySpec()));
    const lines: MetricRecord[] = [
      { kind: 'train', step: 1, tokens: 64, flops: 1e9, wallMs: 12.5, loss: 2.5, lr: 0.001 },
      { kind: 'eval', step: 1, tokens: 64, flops: 1e9, wallMs: 12.5, 'val.loss': 2.75, 'val.bpc': 3.96 },
      { kind: 'train', step: 2, tokens: 128, flops: 2e9, wallMs: 25, loss: 2.25, lr: 0.002 },
      { kind: 'eval', step: 2, tokens: 128, flops: 2e9, wallMs: 25, 'val.loss': 2.5, note: 'a "quoted", text' },
    ];
    fs.writeFileSync(path.join(run.dir, RunFiles.metrics), lines.map(formatMetricLine).join('') + 'garbage line\n');
    const r = mlbtc(ws.dir, 'export', run.id.slice(0, 12), '--csv');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'kind,step,tokens,flops,wallMs,loss,lr,val.loss,val.bpc,note',
        'train,1,64,1000000000,12.5,2.5,0.001,,,',
        'eval,1,64,1000000000,12.5,,,2.75,3.96,',
        'train,2,128,2000000000,25,2.25,0.002,,,',
        'eval,2,128,2000000000,25,,,2.5,,"a ""quoted"", text"',
        '',
      ].join('\r\n'), // the one CSV dialect (src/core/csv.ts): RFC 4180 line ends
    );
    assert.match(r.stderr, /metrics\.jsonl:5: skipped a line that is not a metric record: "garbage line"/);
    const out = path.join(ws.dir, 'm.csv');
    assert.equal(mlbtc(ws.dir, 'export', run.id, '--csv', '--out', out).code, 0);
    assert.equal(fs.readFileSync(out, 'utf8'), r.stdout);
    assert.equal(mlbtc(ws.dir, 'export', run.id).code, 2, '--csv is required');
    assert.equal(mlbtc(ws.dir, 'export', 'nope', '--csv').code, 1);
  });
});

describe('mlbtc stop / resume beside a manager that owns the queue', () => {
  it('the CLI stops a run the manager started, and a resume is queued for the owner to start; no collision', async () => {
    const ws = workspace('stop-resume');
    process.env.FIXTURE_STEP_MS = '15';
    const owner = new RunManager({ runsDir: ws.runs, launcher: launchDetachedWorker(fixture), pollMs: 50, owner: 'test window' }).open();
    managers.push(owner);
    const run = owner.enqueue(newRun(tinySpec({ seed: 8, steps: 60, checkpointEvery: 4 })));
    await owner.waitFor(run.id, (r) => (r.status?.step ?? 0) >= 6, 20_000);

    const stop = mlbtc(ws.dir, 'stop', run.id);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`${run.id}: cancelled at step \\d+ \\(stopped by SIGTERM`));
    assert.equal(owner.get(run.id).state, 'cancelled');
    assert.match(mlbtc(ws.dir, 'stop', run.id).stdout, /is cancelled; nothing to stop/);

    const resume = mlbtc(ws.dir, 'resume', run.id);
    assert.equal(resume.code, 0, resume.stderr);
    assert.match(resume.stdout, /queued; the process that owns the queue .* starts it/);
    const done = await owner.waitFor(run.id, (r) => r.state === 'completed', 20_000);
    assert.equal(done.status?.step, 60);
    const train = records(run.dir).filter((r) => r.kind === 'train');
    assert.deepEqual(
      train.map((r) => r.step),
      Array.from({ length: 60 }, (_, i) => i + 1),
      'every step once: stopped, resumed, no duplicate worker',
    );
    assert.equal(fs.readFileSync(path.join(run.dir, RunFiles.log), 'utf8').match(/fixture worker pid \d+ (starting|resuming)/g)?.length, 2);

    const again = mlbtc(ws.dir, 'resume', run.id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /completed all 60 steps; nothing to resume\. Retry it/);
    const retry = mlbtc(ws.dir, 'resume', run.id, '--retry');
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, new RegExp(`\\(a new run of ${run.id}\\): queued`));
    owner.close();
  });
});

describe('mlbtc resume / stop without another manager (real worker)', () => {
  it('resume starts the worker itself when nobody owns the queue; --wait follows it to the end', () => {
    const ws = workspace('resume-alone');
    const store = new RunStore(ws.runs);
    const run = store.create(newRun(tinySpec({ steps: 30, checkpointEvery: 10, evalEvery: 10 }), path.join(ws.dir, 'tiny.mlbtc.json')));
    const status = path.join(run.dir, RunFiles.status);
    fs.writeFileSync(
      status,
      JSON.stringify({ ...JSON.parse(fs.readFileSync(status, 'utf8')), state: 'cancelled', exitReason: 'cancelled before it started' }),
    );
    const r = mlbtc(ws.dir, 'resume', run.id, '--wait');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`${run.id}: started \\(worker pid \\d+\\), continuing after step 0 of 30`));
    assert.match(r.stdout, /completed step 30\/30\n.*completed 30 steps/);
    assert.equal(store.get(run.id).state, 'completed');
    assert.deepEqual(
      records(run.dir)
        .filter((x) => x.kind === 'train')
        .map((x) => x.step),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
  });

  it('stop on a search stops its controller and pauses its trials; resume continues them', async () => {
    const ws = workspace('stop-search');
    fs.writeFileSync(
      path.join(ws.dir, 'grid.mlbtc.json'),
      JSON.stringify({
        // Long enough that neither trial can finish between reaching step 10 and the stop (~100 steps a second here).
        ...tinyRawSpec({ steps: 800, checkpointEvery: 10, evalEvery: 200 }, 'grid'),
        search: { space: { 'training.seed': { choice: [1, 2] } }, maxConcurrent: 2 },
      }),
    );
    const controller = spawn(process.execPath, [cli, 'search', 'grid.mlbtc.json'], { cwd: ws.dir, stdio: 'ignore' });
    const store = new RunStore(ws.runs);
    const deadline = Date.now() + 60_000;
    while (store.list().filter((r) => r.state === 'running' && (r.status?.step ?? 0) >= 10).length < 2 && Date.now() < deadline)
      await sleep(100);
    const [id] = listSearchIds(ws.runs);
    const stop = mlbtc(ws.dir, 'stop', id!);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`stopped the controller of search ${id} \\(pid ${controller.pid}\\)`));
    assert.match(stop.stdout, /\(2 active trials stopped\); continue it with `mlbtc resume/);
    assert.equal(isProcessAlive(controller.pid!), false);
    assert.deepEqual(
      store.list().map((r) => r.state),
      ['cancelled', 'cancelled'],
    );
    assert.equal(readSearchState(ws.runs, id!).paused.length, 2);

    const resumed = mlbtc(ws.dir, 'search', 'resume', id!);
    assert.equal(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
    assert.equal(resumed.stdout.match(/: resuming .* from its last checkpoint/g)?.length, 2);
    assert.deepEqual(
      store.list().map((r) => r.state),
      ['completed', 'completed'],
    );
    for (const r of store.list())
      assert.deepEqual(
        records(r.dir)
          .filter((x) => x.kind === 'train')
          .map((x) => x.step),
        Array.from({ length: 800 }, (_, i) => i + 1),
      );
  });
});

describe('mlbtc stop on a search driven by someone else', () => {
  it('never signals a controller it did not start (e.g. an editor window): asks through the folder, names a holder that does not answer', () => {
    const ws = workspace('stop-foreign-search');
    const raw: StructureSpec = {
      ...tinyRawSpec({ steps: 10 }, 'foreign'),
      search: { space: { 'training.seed': { choice: [1, 2] } }, strategy: 'grid', seed: 0, objective: 'val.loss' },
    };
    const search = createSearchFolder(ws.runs, planSearch(raw), {
      path: path.join(ws.dir, 'foreign.mlbtc.json'),
      text: JSON.stringify(raw),
    });
    // The holder is this very test process, standing in for a VS Code extension host: a SIGTERM would end the test.
    const lock = {
      pid: process.pid,
      hostname: os.hostname(),
      createdAt: new Date().toISOString(),
      owner: controllerLockOwner('MLBTC Studio (VS Code)'),
    };
    fs.writeFileSync(path.join(searchDir(ws.runs, search.id), SearchFiles.lock), JSON.stringify(lock));
    const stop = mlbtc(ws.dir, 'stop', search.id, '--timeout', '1');
    assert.equal(stop.code, 1);
    assert.match(
      stop.stderr,
      new RegExp(
        `search ${search.id} is driven by search controller \\(MLBTC Studio \\(VS Code\\)\\) \\(pid ${process.pid}\\), which did not answer the stop request within 1 s; stop it there`,
      ),
    );
    assert.equal(fs.existsSync(path.join(searchDir(ws.runs, search.id), SearchFiles.stop)), false, 'an unanswered request is withdrawn');
    assert.equal(isProcessAlive(process.pid), true);
  });
});

describe('mlbtc search (real worker)', () => {
  it('plans, runs an 8-trial ASHA search, survives a SIGKILL of its controller, resumes, and prints the Pareto fronts', async () => {
    const ws = workspace('search');
    const specFile = path.join(ws.dir, 'tiny-asha.mlbtc.json');
    fs.writeFileSync(
      specFile,
      JSON.stringify({
        name: 'tiny-asha',
        task: { kind: 'icl-regression', inputDim: 4 },
        model: { width: 16, heads: 2, layers: 1, seqLen: 16, mlpRatio: 2 },
        attention: { kind: 'mlr', ranks: [4, 4], blockSizes: 'dyadic' },
        training: {
          steps: 45,
          batchSize: 4,
          lr: 0.003,
          warmupSteps: 3,
          logEvery: 5,
          evalEvery: 5,
          evalBatches: 1,
          checkpointEvery: 5,
          backend: 'cpu',
        },
        search: {
          space: { 'attention.ranks': { rankSplits: { levels: [2, 3], multipleOf: 1 } }, 'training.lr': { logUniform: [0.0003, 0.03] } },
          strategy: 'asha',
          trials: 8,
          seed: 4,
          asha: { minBudget: 5, maxBudget: 45, eta: 3 },
          maxConcurrent: 2,
        },
      }),
    );
    const plan = mlbtc(ws.dir, 'search', 'tiny-asha.mlbtc.json', '--plan');
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /8 trials from \d+ candidates/);
    assert.match(plan.stdout, /Rungs \(steps\): 5 → 15 → 45, keeping 1\/3 at each/);
    assert.match(plan.stdout, /Total compute: .*FLOPs expected with ASHA/);
    assert.match(plan.stdout, /\nWall time: no measurement yet \(no completed tfjs run in this runs directory/);
    assert.equal(listSearchIds(ws.runs).length, 0, '--plan launches nothing');

    // Start the search, let a few trials run, and kill its controller outright.
    const controller = spawn(process.execPath, [cli, 'search', 'tiny-asha.mlbtc.json'], { cwd: ws.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let firstOutput = '';
    controller.stdout.on('data', (d: Buffer) => (firstOutput += d.toString()));
    const deadline = Date.now() + 60_000;
    while ((firstOutput.match(/: completed, val\.loss/g)?.length ?? 0) < 3 && Date.now() < deadline) await sleep(100);
    controller.kill('SIGKILL');
    await new Promise((r) => controller.once('exit', r));
    const [id] = listSearchIds(ws.runs);
    assert.ok(id, firstOutput);
    assert.equal(readSearchState(ws.runs, id).finishedAt, null, 'killed before it finished');

    const resumed = mlbtc(ws.dir, 'resume', id!);
    assert.equal(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
    assert.match(resumed.stdout, /search finished/);
    assert.match(resumed.stdout, /Pareto front, compute vs val\.loss[^\n]*\n {2}#\d+ /);
    assert.match(resumed.stdout, /Pareto front, compute vs rank[^\n]*\n {2}#\d+ /);

    // Every trial ran its first rung; promotions continued from a checkpoint; the state says finished.
    const store = new RunStore(ws.runs);
    const state = readSearchState(ws.runs, id!);
    assert.ok(state.finishedAt);
    const byTrial = trialRuns(store, id!, state);
    assert.equal(byTrial.size, 8);
    for (const rungs of byTrial.values())
      for (const run of rungs.values()) assert.equal(run.state, 'completed', `${run.id}: ${run.status?.exitReason}`);
    const promoted = [...byTrial.entries()].filter(([, rungs]) => rungs.size > 1);
    assert.ok(promoted.length >= 2, 'ASHA promoted some trials');
    assert.ok(
      [...byTrial.values()].some((rungs) => rungs.size === 1),
      'and stopped others early',
    );

    // A promoted trial's furthest run equals one straight run of its spec to the same budget (constant schedule).
    const [trial, rungs] = promoted.sort((a, b) => b[1].size - a[1].size)[0]!;
    const furthest = rungs.get(Math.max(...rungs.keys()))!;
    const planned = readSearchFile(ws.runs, id!).plan.trials[trial]!;
    const straight = new RunManager({
      runsDir: path.join(ws.dir, 'straight'),
      workerPath: path.join(work, 'dist', 'worker.js'),
      pollMs: 50,
    }).open();
    managers.push(straight);
    const ref = straight.enqueue({
      spec: { ...planned.spec, training: { ...planned.spec.training, steps: furthest.status!.step } },
      sourcePath: specFile,
      sourceText: '',
      overrides: {},
    });
    await straight.waitFor(ref.id, (r) => r.state === 'completed' || r.state === 'failed', 60_000);
    const strip = (rs: MetricRecord[]) => rs.map(({ wallMs: _w, ...rest }) => rest);
    assert.deepEqual(strip(records(furthest.dir)), strip(records(ref.dir)));

    const status = mlbtc(ws.dir, 'search', 'status', id!.slice(0, 20));
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /finished/);
    assert.equal(status.stdout.match(/ completed /g)?.length, 8);
  });
});
