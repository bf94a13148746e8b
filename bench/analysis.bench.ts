/**
 * analyze() speed on every example in examples/ plus a few large synthetic specs: mean time per call after warm-up.
 * Target: under 1 ms per example (analysis re-runs as the user types). Prints a table; asserts nothing.
 *
 *   node --import tsx bench/analysis.bench.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { analyze } from '../src/core/analysis';
import { resolveSpec, type ResolvedSpec } from '../src/core/spec/resolve';
import type { StructureSpec } from '../src/core/spec/schema';
import { printTable } from './table';

const root = path.resolve(__dirname, '..');
const examplesDir = path.join(root, 'examples');

function synthetic(name: string, model: object, attention: object): [string, ResolvedSpec] {
  return [
    name,
    resolveSpec({ name, task: { kind: 'language-model', vocabSize: 96 }, model: { layers: 6, ...model }, attention } as StructureSpec),
  ];
}

// Both tiers: the trainable examples and the paper's exact settings (examples/paper, the larger ones).
const cases: [string, ResolvedSpec][] = ['', 'paper'].flatMap((tier) =>
  readdirSync(path.join(examplesDir, tier))
    .filter((f) => f.endsWith('.mlbtc.json'))
    .sort()
    .map((f): [string, ResolvedSpec] => [
      path.join(tier, f),
      resolveSpec(parse(readFileSync(path.join(examplesDir, tier, f), 'utf8')) as StructureSpec),
    ]),
);
cases.push(
  synthetic(
    'synthetic: mlr coverage, T 16384',
    { width: 1024, heads: 16, seqLen: 16384 },
    { kind: 'mlr', ranks: [16, 8, 8, 8, 8, 4, 4, 4, 2, 2], normalize: 'coverage' },
  ),
  synthetic('synthetic: sliding window, T 16384', { width: 1024, heads: 16, seqLen: 16384 }, { kind: 'sliding-window', window: 4096 }),
  synthetic(
    'synthetic: mlbtc 6 levels, D 4096',
    { width: 4096, heads: 32, seqLen: 2048 },
    {
      kind: 'mlbtc',
      levels: [1, 2, 4, 8, 16, 32]
        .map((blocks) => ({
          blocks,
          out: [64 / Math.sqrt(blocks), 4096 / blocks / (64 / Math.sqrt(blocks))],
          in: [1, 4096 / blocks],
          rank: 2,
        }))
        .filter((l) => Number.isInteger(l.out[0])),
    },
  ),
);

const WARMUP = 2000;
const rows: string[][] = [];
for (const [name, spec] of cases) {
  for (let i = 0; i < WARMUP; i++) analyze(spec);
  // Enough calls for ~50 ms of measurement at the measured speed.
  const probeStart = performance.now();
  for (let i = 0; i < 100; i++) analyze(spec);
  const probe = (performance.now() - probeStart) / 100;
  const n = Math.max(100, Math.min(200_000, Math.round(50 / Math.max(probe, 1e-4))));
  const start = performance.now();
  for (let i = 0; i < n; i++) analyze(spec);
  const mean = (performance.now() - start) / n;
  const a = analyze(spec);
  rows.push([
    name,
    `${(mean * 1000).toFixed(1)} µs`,
    mean < 1 ? 'yes' : 'NO',
    `${a.params.total.toLocaleString('en-US')}`,
    `${a.rank.scoring}/${a.rank.max}`,
    String(n),
  ]);
}

const header = ['spec', 'mean analyze()', '< 1 ms', 'params', 'rank', 'calls'];
printTable(header, rows);
