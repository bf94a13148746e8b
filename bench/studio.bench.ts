/**
 * Extension-host costs of training in the editor. Prints tables; asserts nothing.
 *
 * - Activation: dist/extension.js loaded into a fresh Node with a stand-in `vscode` module (activation.child.cjs),
 *   require() and activate() timed, and whether tfjs or the worker got loaded (they must not). Target < 100 ms.
 *   Build first (npm run build): it measures the bundle the editor loads.
 * - Live-losses update with 50 runs loaded, through the real event path: a RunsModel over a RunManager following a
 *   runs directory of 50 runs (records on disk), the panel's run source (ModelSeriesSource) following all 50, and the
 *   panel's host side (RunSeries store + curves()). One run is "running"; 10 records are appended to its file, then
 *   the manager ticks: the timed work is that tick (status reads, metric tails, events), the source reading the new
 *   records, and the downsampled curves of that run — what happens on the host for one streaming update. Target
 *   < 50 ms. Separately, the wall-clock latency from the append to the curves with the manager's fs.watch on.
 *
 *   node --import tsx bench/studio.bench.ts [--records N]   (records per run, default 20,000)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveSpec } from '../src/core/spec/resolve';
import type { StructureSpec } from '../src/core/spec/schema';
import { createRunFolder } from '../src/runfolder/runFolder';
import { CurveCache, curves, RunSeries } from '../src/extension/panels/losses/seriesStore';
import { ModelSeriesSource } from '../src/extension/runs/lossesSource';
import { RunsModel } from '../src/extension/runs/runsModel';
import { formatMetricLine, initialStatus, RunFiles, type MetricRecord } from '../src/protocol/run';
import type { LossView } from '../src/protocol/webview';
import { RunManager } from '../src/runs/manager';
import { writeStatus } from '../src/runfolder/statusFile';
import { median } from './measure';
import { printTable } from './table';

const root = path.resolve(__dirname, '..');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

const ms = (v: number) => `${v.toFixed(1)} ms`;

// ─── Activation ──────────────────────────────────────────────────────────────────────────────────────────────────

if (!fs.existsSync(path.join(root, 'dist', 'extension.js'))) {
  console.log('Activation: dist/extension.js is missing; run `npm run build` first.\n');
} else {
  interface Sample {
    requireMs: number;
    activateMs: number;
    bundleBytes: number;
    tfjsModules: number;
    workerLoaded: boolean;
  }
  const samples: Sample[] = [];
  for (let i = 0; i < 7; i++) {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'activation.child.cjs')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`activation child failed: ${r.stderr}`);
    samples.push(JSON.parse(r.stdout.trim()) as Sample);
  }
  const total = samples.map((s) => s.requireMs + s.activateMs);
  console.log('Activation: dist/extension.js in a fresh Node, stand-in vscode (7 processes, median)\n');
  printTable(
    ['measure', 'value'],
    [
      ['bundle size', `${(samples[0]!.bundleBytes / 1024).toFixed(0)} KiB`],
      ['require(dist/extension.js)', ms(median(samples.map((s) => s.requireMs)))],
      ['activate()', ms(median(samples.map((s) => s.activateMs)))],
      ['require + activate', ms(median(total))],
      ['< 100 ms', median(total) < 100 ? 'yes' : 'NO'],
      ['tfjs modules loaded', String(Math.max(...samples.map((s) => s.tfjsModules)))],
      ['worker loaded', samples.some((s) => s.workerLoaded) ? 'YES' : 'no'],
    ],
  );
}

// ─── Live-losses update, 50 runs, real event path ────────────────────────────────────────────────────────────────

const RUNS = 50;
const RECORDS = arg('records', 20_000);
const EVAL_EVERY = 200;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbtc-bench-studio-'));
const runsDir = path.join(work, 'runs');

function record(run: number, s: number): MetricRecord[] {
  const position = { step: s, tokens: s * 2048, flops: s * 6e9, wallMs: s * 40 };
  const loss = 1 + 3 * Math.exp(-s / (5_000 + run * 100)) + 0.05 * Math.sin(s * 0.37 + run);
  const out: MetricRecord[] = [{ kind: 'train', ...position, loss, lr: 1e-3 }];
  if (s % EVAL_EVERY === 0) out.push({ kind: 'eval', ...position, 'val.loss': loss + 0.1 });
  return out;
}

const raw = {
  name: 'bench',
  task: { kind: 'icl-regression', inputDim: 4 },
  model: { width: 16, heads: 2, layers: 1, seqLen: 16 },
  attention: { kind: 'dense' },
  training: { steps: 1_000_000 },
} as unknown as StructureSpec;
const spec = resolveSpec(raw);
const ids: string[] = [];
const setupStart = performance.now();
for (let r = 0; r < RUNS; r++) {
  const id = `run-${String(r).padStart(2, '0')}`;
  const dir = path.join(runsDir, id);
  createRunFolder(dir, { spec, sourcePath: '/bench/bench.mlbtc.json', sourceText: '{}', overrides: {} });
  let text = '';
  for (let s = 1; s <= RECORDS; s++) for (const rec of record(r, s)) text += formatMetricLine(rec);
  fs.writeFileSync(path.join(dir, RunFiles.metrics), text);
  // run-00 trains (this process stands in for its worker: a live pid and a fresh heartbeat); the others completed.
  const now = new Date().toISOString();
  writeStatus(dir, {
    ...initialStatus(1_000_000),
    state: r === 0 ? 'running' : 'completed',
    pid: r === 0 ? process.pid : null,
    heartbeat: now,
    startedAt: now,
    step: RECORDS,
  });
  ids.push(id);
}
const setupMs = performance.now() - setupStart;

function measure(watch: boolean) {
  // queue "never": nothing is started; the manager only follows, as every manager does.
  let manager!: RunManager;
  const model = new RunsModel(
    (dir) => (manager = new RunManager({ runsDir: dir, queue: 'never', watch, pollMs: watch ? 1000 : 3_600_000 }).open()),
  );
  model.setRoots([runsDir]);
  const source = new ModelSeriesSource(model);
  const store = new Map<string, RunSeries>();
  const cache = new CurveCache();
  const view: LossView = { runIds: ids, metrics: ['loss', 'val.loss'], x: 'step', logX: false, logY: false, smoothing: 0.6, buckets: 900 };
  let lastUpdate: { runId: string; at: number } | undefined;
  source.onEvent((e) => {
    if (e.kind !== 'records') return;
    let run = store.get(e.runId);
    if (!run || e.reset) store.set(e.runId, (run = new RunSeries()));
    run.append(e.records);
    lastUpdate = { runId: e.runId, at: performance.now() };
  });
  const loadStart = performance.now();
  source.follow(ids);
  const loadMs = performance.now() - loadStart;
  const fullStart = performance.now();
  curves(store, view, ids, cache);
  const fullMs = performance.now() - fullStart;
  return { model, source, manager, store, cache, view, loadMs, fullMs, last: () => lastUpdate, reset: () => (lastUpdate = undefined) };
}

let step = RECORDS;
const metricsOf0 = path.join(runsDir, 'run-00', RunFiles.metrics);
const append = () => {
  let text = '';
  for (let i = 0; i < 10; i++) for (const rec of record(0, ++step)) text += formatMetricLine(rec);
  fs.appendFileSync(metricsOf0, text);
};

// Host work per update: append, then one manager tick → events → source → store → curves of that run.
const sync = measure(false);
const updates: number[] = [];
for (let i = 0; i < 30; i++) {
  append();
  sync.reset();
  const start = performance.now();
  sync.manager.tick();
  if (sync.last()?.runId !== 'run-00') throw new Error('the tick did not deliver the appended records');
  curves(sync.store, sync.view, ['run-00'], sync.cache);
  updates.push(performance.now() - start);
}
const tickOnly: number[] = [];
for (let i = 0; i < 30; i++) {
  const start = performance.now();
  sync.manager.tick(); // nothing new: the cost of following 50 runs per tick
  tickOnly.push(performance.now() - start);
}
sync.source.dispose();
sync.model.dispose();

/** Wall-clock latency with fs.watch: from the append to the curves of the run. */
async function latencies(): Promise<number[]> {
  const live = measure(true);
  const out: number[] = [];
  for (let i = 0; i < 15; i++) {
    live.reset();
    const start = performance.now();
    append();
    const deadline = start + 5_000;
    while (!live.last() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    if (!live.last()) throw new Error('no update within 5 s');
    curves(live.store, live.view, ['run-00'], live.cache);
    out.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 100));
  }
  live.source.dispose();
  live.model.dispose();
  return out;
}

void latencies().then((latency) => {
  fs.rmSync(work, { recursive: true, force: true });
  report(latency);
});

function report(latency: number[]): void {
  console.log(
    `Live losses through the run manager: ${RUNS} runs × ${RECORDS.toLocaleString('en-US')} train records (+ eval every ${EVAL_EVERY}), all followed\n`,
  );
  printTable(
    ['measure', 'value'],
    [
      ['write the 50 runs (setup)', `${(setupMs / 1000).toFixed(1)} s`],
      ['panel opens: every record of 50 runs read', ms(sync.loadMs)],
      ['full view: 100 curves, 900 px', ms(sync.fullMs)],
      ['manager tick, nothing new (50 runs)', ms(median(tickOnly))],
      ['update: +10 records → tick, events, read, curves', ms(median(updates))],
      ['update < 50 ms (host work)', median(updates) < 50 ? 'yes' : 'NO'],
      ['latency append → curves (fs.watch, 50 ms debounce)', ms(median(latency))],
    ],
  );
}
