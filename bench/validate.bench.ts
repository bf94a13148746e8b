/**
 * validateText() speed on every example (it runs in the editor as the user types): mean time per call after
 * warm-up, target under 1 ms. Also a broken spec (many problems, each located) and a syntax error. Prints a
 * table; asserts nothing.
 *
 *   node --import tsx bench/validate.bench.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateText } from '../src/core/validate';
import { printTable } from './table';

const examplesDir = path.resolve(__dirname, '..', 'examples');
// Both tiers: the trainable examples and the paper's exact settings (examples/paper).
const cases: [string, string][] = ['', 'paper'].flatMap((tier) =>
  readdirSync(path.join(examplesDir, tier))
    .filter((f) => f.endsWith('.mlbtc.json'))
    .sort()
    .map((f): [string, string] => [path.join(tier, f), readFileSync(path.join(examplesDir, tier, f), 'utf8')]),
);

const lm = readFileSync(path.join(examplesDir, 'paper', 'char-lm-mlr.mlbtc.json'), 'utf8');
cases.push(
  [
    'broken: typos, bad ranks, bad blocks',
    lm
      .replace('"ranks"', '"rankz"')
      .replace('"layers": 6', '"layers": "6"')
      .replace('"kind": "mlr"', '"kind": "mlr", "blockSizes": [1000, 3, 8], "windw": 1'),
  ],
  ['syntax error (trailing comma)', lm.replace(/\}\s*$/, ',}')],
);

const WARMUP = 2000;
const rows: string[][] = [];
for (const [name, text] of cases) {
  for (let i = 0; i < WARMUP; i++) validateText(text);
  const probeStart = performance.now();
  for (let i = 0; i < 100; i++) validateText(text);
  const probe = (performance.now() - probeStart) / 100;
  const n = Math.max(100, Math.min(100_000, Math.round(100 / Math.max(probe, 1e-4))));
  const start = performance.now();
  for (let i = 0; i < n; i++) validateText(text);
  const mean = (performance.now() - start) / n;
  const { problems } = validateText(text);
  rows.push([name, `${(mean * 1000).toFixed(1)} µs`, mean < 1 ? 'yes' : 'NO', String(problems.length), `${text.length}`, String(n)]);
}

const header = ['spec', 'mean validateText()', '< 1 ms', 'problems', 'chars', 'calls'];
printTable(header, rows);
