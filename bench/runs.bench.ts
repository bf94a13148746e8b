/**
 * The run store at scale. Prints tables; asserts nothing.
 *
 *   node --import tsx bench/runs.bench.ts [--runs N] [--lines N]
 *
 * 1. Listing N runs (default 1,000; target < 200 ms): cold (a new store: every status.json read and parsed), warm
 *    (the same store again: a stat per run), the first listing of runs missing from the index (each spec.json read
 *    once), and one manager tick (what the Experiments view pays every second).
 * 2. A metrics file of N lines (default 1,000,000): downsampled to 1,000 buckets of loss and val.loss against step and
 *    against FLOPs (streamed), and the last record (read from the end), with the peak RSS they add (Linux VmHWM, each
 *    measured in a fresh child process). For contrast: reading the whole file into memory and parsing it at once.
 * 3. Tailing that file: a poll with nothing new (one stat), and a poll after one appended record.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveSpec } from '../src/core/spec/resolve';
import type { StructureSpec } from '../src/core/spec/schema';
import { formatMetricLine, parseMetricLines, RunFiles } from '../src/protocol/run';
import { RunManager } from '../src/runs/manager';
import { lastMetric, MetricsTail } from '../src/runs/metrics';
import { StoreFiles } from '../src/runs/layout';
import { RunStore } from '../src/runs/store';
import { medianMs } from './measure';
import { printTable } from './table';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

/** Peak resident memory of this process so far (Linux), in bytes. */
function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const ms = (t: number) => `${t.toFixed(t < 10 ? 2 : 0)} ms`;

// ── child mode: one measurement in a fresh process, printed as JSON ──────────────────────────────────────────────
const child = process.argv.indexOf('--child');
if (child >= 0) {
  const [what, file] = process.argv.slice(child + 1);
  const before = peakRss();
  const start = performance.now();
  let detail = '';
  if (what === 'last') {
    detail = `step ${lastMetric(file!)?.step}`;
  } else if (what === 'whole') {
    const records = parseMetricLines(fs.readFileSync(file!, 'utf8'));
    detail = `${records.length.toLocaleString('en-US')} records in memory`;
  }
  console.log(JSON.stringify({ ms: performance.now() - start, peakDelta: peakRss() - before, detail }));
  process.exit(0);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbtc-runs-bench-'));
try {
  // ── 1. listing ──────────────────────────────────────────────────────────────────────────────────────────────────
  const nRuns = arg('runs', 1000);
  const root = path.join(work, 'runs');
  const spec = resolveSpec({
    name: 'bench',
    task: { kind: 'icl-regression', inputDim: 4 },
    model: { width: 16, heads: 2, layers: 1, seqLen: 16 },
    attention: { kind: 'dense' },
  } as StructureSpec);
  const store = new RunStore(root);
  let t0 = performance.now();
  for (let i = 0; i < nRuns; i++) store.create({ spec, sourcePath: `/ws/spec-${i % 10}.mlbtc.json`, sourceText: '{}', overrides: {} });
  const createMs = (performance.now() - t0) / nRuns;
  const cold = medianMs(() => new RunStore(root).list(), 7);
  const warm = medianMs(() => store.list(), 7);
  fs.rmSync(path.join(root, StoreFiles.index));
  t0 = performance.now();
  new RunStore(root).list();
  const adopt = performance.now() - t0;
  const manager = new RunManager({ runsDir: root, queue: 'never', watch: false });
  manager.tick(true);
  const tick = medianMs(() => manager.tick(), 7);
  manager.close();
  console.log(`Listing ${nRuns.toLocaleString('en-US')} runs (creating one took ${ms(createMs)}, fsyncs included)\n`);
  printTable(
    ['operation', 'time', '< 200 ms'],
    [
      ['list, cold (new store: read every status.json)', ms(cold), cold < 200 ? 'yes' : 'NO'],
      ['list, warm (same store: one stat per run)', ms(warm), warm < 200 ? 'yes' : 'NO'],
      ['list with no index (adopt: read each spec.json once)', ms(adopt), adopt < 200 ? 'yes' : 'NO'],
      ['manager tick (list, diff, nothing to start)', ms(tick), tick < 200 ? 'yes' : 'NO'],
    ],
  );

  // ── 2. a long metrics file ──────────────────────────────────────────────────────────────────────────────────────
  const nLines = arg('lines', 1_000_000);
  const metrics = path.join(work, RunFiles.metrics);
  const fd = fs.openSync(metrics, 'w');
  let chunk = '';
  for (let step = 1; step <= nLines; step++) {
    const pos = { step, tokens: step * 1024, flops: step * 3.2e9, wallMs: step * 41.7 };
    chunk += formatMetricLine(
      step % 100 === 0
        ? { kind: 'eval', ...pos, 'val.loss': 2 + 1 / Math.sqrt(step) }
        : { kind: 'train', ...pos, loss: 2 + 1 / Math.sqrt(step) + 0.01 * Math.sin(step), lr: 1e-3 },
    );
    if (chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  const size = fs.statSync(metrics).size;
  const measure = (what: string) =>
    JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', __filename, '--child', what, metrics], {
        encoding: 'utf8',
        cwd: path.resolve(__dirname, '..'),
      }),
    ) as { ms: number; peakDelta: number; detail: string };
  console.log(`\nA metrics file of ${nLines.toLocaleString('en-US')} lines (${mb(size)}), each measured in a fresh process\n`);
  printTable(
    ['operation', 'time', 'peak RSS added', 'result'],
    [
      ['last record (read backwards from the end)', 'last'],
      ['contrast: read the whole file and parse it at once', 'whole'],
    ].map(([label, what]) => {
      const r = measure(what!);
      return [label!, ms(r.ms), mb(r.peakDelta), r.detail];
    }),
  );

  // ── 3. tailing ──────────────────────────────────────────────────────────────────────────────────────────────────
  const tail = new MetricsTail(metrics, { fromEnd: true });
  const idleN = 20_000;
  t0 = performance.now();
  for (let i = 0; i < idleN; i++) tail.poll();
  const idle = (performance.now() - t0) / idleN;
  const appendN = 2_000;
  let appendTotal = 0;
  for (let i = 0; i < appendN; i++) {
    fs.appendFileSync(
      metrics,
      formatMetricLine({ kind: 'train', step: nLines + i + 1, tokens: 0, flops: 0, wallMs: 0, loss: 1, lr: 1e-3 }),
    );
    const start = performance.now();
    tail.poll();
    appendTotal += performance.now() - start;
  }
  console.log(`\nTailing that file (a live run's metrics)\n`);
  printTable(
    ['operation', 'mean per poll'],
    [
      ['poll, nothing new (one stat, no read)', `${(idle * 1000).toFixed(1)} µs`],
      ['poll after one appended record (read only the new bytes)', `${((appendTotal / appendN) * 1000).toFixed(1)} µs`],
    ],
  );
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
