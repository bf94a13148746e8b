/**
 * Host-side cost of the trade-offs panel's search candidates: planning a structure file's search block into points
 * (src/extension/panels/tradeoffs/candidates.ts), which runs synchronously in the extension host whenever a file's
 * text changes (the panel caches each file's points by text, so unchanged files cost a map lookup). Prints a
 * table; asserts nothing.
 *
 * Cases: the examples that have a search block (both tiers), and two grids at the planner's cap (MAX_CANDIDATES,
 * 5,000) on each ICL example: a training.seed grid (structure unchanged: one validation and analysis per
 * candidate), and on the MLR ones the rankSplits generator over 1–4 levels (every candidate a different structure).
 *
 *   npm run bench -- tradeoffs
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import type { StructureSpec } from '../src/core/spec/schema';
import { searchPoints, type StructureFile } from '../src/extension/panels/tradeoffs/candidates';
import { MAX_CANDIDATES } from '../src/runs/search/plan';
import { medianMs } from './measure';
import { printTable } from './table';

const examplesDir = path.resolve(__dirname, '..', 'examples');

/** The file with this search block (as written in a file: the schema's defaults left out). */
const searching = (raw: StructureSpec, search: unknown): StructureSpec => ({ ...raw, search: search as StructureSpec['search'] });

const cases: { name: string; raw: StructureSpec }[] = [];
const exampleFiles = ['', 'paper'].flatMap((tier) =>
  readdirSync(path.join(examplesDir, tier))
    .filter((f) => f.endsWith('.mlbtc.json'))
    .sort()
    .map((f) => path.join(tier, f)),
);
for (const file of exampleFiles) {
  const raw = parse(readFileSync(path.join(examplesDir, file), 'utf8')) as StructureSpec;
  if (raw.search) cases.push({ name: `${file} (its search)`, raw });
  if (raw.task.kind !== 'icl-regression') continue;
  cases.push({
    name: `${file}, training.seed grid of ${MAX_CANDIDATES}`,
    raw: searching(raw, { strategy: 'grid', space: { 'training.seed': { int: [1, MAX_CANDIDATES] } } }),
  });
  // rankSplits writes attention.ranks: only for the families that have them (MLR, bilinear MLR).
  if (Array.isArray(raw.attention) || !('ranks' in raw.attention)) continue;
  cases.push({
    name: `${file}, rankSplits levels 1–4`,
    raw: searching(raw, { strategy: 'grid', space: { 'attention.ranks': { rankSplits: { levels: [1, 2, 3, 4] } } } }),
  });
}

const rows = cases.map(({ name, raw }) => {
  const file: StructureFile = { uri: `file:///bench/${name}`, label: name, fileName: name };
  const result = searchPoints(file, raw);
  const ms = medianMs(() => searchPoints(file, raw), result.points.length > 1000 ? 3 : 20, 1);
  return [
    name,
    result.points.length.toLocaleString('en-US'),
    String(result.skipped.length),
    `${ms.toFixed(1)} ms`,
    result.points.length ? `${((ms / result.points.length) * 1000).toFixed(0)} µs` : '–',
  ];
});

const header = ['search', 'candidates', 'skipped', 'plan → points', 'per candidate'];
console.log('Trade-offs panel: a search block planned into candidate points (median, synchronous in the host)\n');
printTable(header, rows);
