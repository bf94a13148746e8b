/**
 * Host-side costs of the inline previews and panels. Prints tables; asserts nothing.
 *
 * - CodeLens: everything provideCodeLenses computes for a document version it has not seen (validation, JSON tree,
 *   analysis, lens items), per example. Target < 5 ms per file.
 * - Hover: the Markdown with the block picture, per example.
 * - Diagram model: what the diagram panel sends, per example.
 * - Live losses: 50 runs × 100,000 train records (+ an eval every 200 steps) in the series store: ingestion, memory,
 *   the curves of a full view (every run, train and eval loss, EMA 0.6, 900 px), and a streaming update (10 new
 *   records of one run, and the curves of that run only). Target < 50 ms for the update.
 *   The webview's drawing time for the same load is measured by the e2e run (test-results/panels-perf-*.json).
 *
 *   node --import tsx --expose-gc bench/panels.bench.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseTree } from 'jsonc-parser';
import { analyze } from '../src/core/analysis';
import { validateText } from '../src/core/validate';
import { hoverPalettes } from '../src/extension/lens/blockSvg';
import { groupHoverMarkdown } from '../src/extension/lens/hoverMarkdown';
import { lensItems } from '../src/extension/lens/lensModel';
import { diagramModel } from '../src/extension/panels/diagram/diagramModel';
import { CurveCache, curves, RunSeries } from '../src/extension/panels/losses/seriesStore';
import type { MetricRecord } from '../src/protocol/run';
import type { LossView } from '../src/protocol/webview';
import { printTable } from './table';

const examplesDir = path.resolve(__dirname, '..', 'examples');

/** Mean ms per call of `f` after warm-up, over about `budgetMs` of calls. */
function time(f: () => unknown, budgetMs = 100, warmup = 50): number {
  for (let i = 0; i < warmup; i++) f();
  const probeStart = performance.now();
  f();
  const probe = Math.max(performance.now() - probeStart, 1e-3);
  const n = Math.max(5, Math.min(20_000, Math.round(budgetMs / probe)));
  const start = performance.now();
  for (let i = 0; i < n; i++) f();
  return (performance.now() - start) / n;
}

const ms = (v: number) => `${v.toFixed(3)} ms`;

// ─── Inline previews and diagram model, per example ──────────────────────────────────────────────────────────────

const rows: string[][] = [];
// Both tiers: the trainable examples and the paper's exact settings (examples/paper).
const exampleFiles = ['', 'paper'].flatMap((tier) =>
  readdirSync(path.join(examplesDir, tier))
    .filter((f) => f.endsWith('.mlbtc.json'))
    .sort()
    .map((f) => path.join(tier, f)),
);
for (const file of exampleFiles) {
  const text = readFileSync(path.join(examplesDir, file), 'utf8');
  const lens = time(() => {
    const { spec, problems } = validateText(text);
    return lensItems({ root: parseTree(text), problems, spec, analysis: spec && analyze(spec), canTrain: true });
  });
  const { spec } = validateText(text);
  const analysis = analyze(spec!);
  const hover = time(() =>
    analysis.layers.flatMap((l) => l.groups.map((_, g) => groupHoverMarkdown(spec!, l, g, hoverPalettes.dark, analysis.layers.length > 1))),
  );
  const diagram = time(() => diagramModel('file:///x', file, spec!, analysis));
  rows.push([file, ms(lens), lens < 5 ? 'yes' : 'NO', ms(hover), ms(diagram)]);
}
console.log('Inline previews (cold: a document version not seen before)\n');
printTable(['example', 'CodeLens', '< 5 ms', 'hover', 'diagram model'], rows);

// ─── Live losses: 50 runs × 100,000 records ──────────────────────────────────────────────────────────────────────

const RUNS = 50;
const RECORDS = 100_000;
const EVAL_EVERY = 200;

function records(run: number, from: number, count: number): MetricRecord[] {
  const out: MetricRecord[] = [];
  for (let s = from; s < from + count; s++) {
    const position = { step: s, tokens: s * 32_768, flops: s * 1e12, wallMs: s * 55 };
    out.push({ kind: 'train', ...position, loss: 1 + 3 * Math.exp(-s / (20_000 + run * 500)) + 0.05 * Math.sin(s * 0.37 + run), lr: 1e-3 });
    if (s % EVAL_EVERY === 0) out.push({ kind: 'eval', ...position, 'val.loss': 1.1 + 3 * Math.exp(-s / (20_000 + run * 500)) });
  }
  return out;
}

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const store = new Map<string, RunSeries>();
let ingestMs = 0;
for (let r = 0; r < RUNS; r++) {
  const batch = records(r, 1, RECORDS);
  const start = performance.now();
  const run = new RunSeries();
  run.append(batch);
  ingestMs += performance.now() - start;
  store.set(`run-${r}`, run);
}
gc?.();
const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;

const view: LossView = {
  runIds: [...store.keys()],
  metrics: ['loss', 'val.loss'],
  x: 'step',
  logX: false,
  logY: false,
  smoothing: 0.6,
  buckets: 900,
};
const full = time(() => curves(store, view), 2000, 2);
const pointsSent = curves(store, view).reduce((t, c) => t + c.raw.x.length + (c.smooth === c.raw ? 0 : c.smooth.x.length), 0);
let step = RECORDS + 1;
const update = time(
  () => {
    store.get('run-0')!.append(records(0, step, 10));
    step += 10;
    return curves(store, view, ['run-0']);
  },
  1000,
  5,
);
const logView = time(() => curves(store, { ...view, x: 'flops', logX: true, logY: true }), 2000, 2);
const cache = new CurveCache();
curves(store, view, view.runIds, cache);
const yScaleOnly = time(() => curves(store, { ...view, logY: !view.logY }, view.runIds, cache), 200, 2);

console.log(`Live losses: ${RUNS} runs × ${RECORDS.toLocaleString('en-US')} train records (+ eval every ${EVAL_EVERY} steps)\n`);
printTable(
  ['measure', 'value'],
  [
    ['ingest all records', `${ingestMs.toFixed(0)} ms`],
    ['store memory (heap + array buffers)', gc ? `${((heapAfter - heapBefore) / 2 ** 20).toFixed(0)} MiB` : 'run with --expose-gc'],
    ['full view: 100 curves, EMA 0.6, 900 px', `${full.toFixed(1)} ms`],
    ['points sent for the full view', pointsSent.toLocaleString('en-US')],
    ['same, log x (FLOPs) and log y', `${logView.toFixed(1)} ms`],
    ['switch the y scale (curves cached)', `${yScaleOnly.toFixed(2)} ms`],
    ['streaming update: +10 records, one run re-sent', `${update.toFixed(2)} ms`],
    ['update < 50 ms (host side)', update < 50 ? 'yes' : 'NO'],
  ],
);
