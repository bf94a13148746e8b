/**
 * numericalRank (pivoted Householder QR, float64) on generic and low-rank matrices, and dense materialisation of a
 * BTT head. Target: a generic 1024×1024 in under 2 s. Prints a table; asserts nothing.
 *
 *   node --import tsx bench/rank.bench.ts
 */
import { Matrix, numericalRank } from '../src/core/linalg';
import { randomWeights, scoringMatrix } from '../src/core/materialize';
import { Rng } from '../src/core/random';
import { resolveSpec } from '../src/core/spec/resolve';
import type { StructureSpec } from '../src/core/spec/schema';
import { printTable } from './table';

const rng = new Rng(1);
const random = (rows: number, cols: number) => Matrix.from(rows, cols, () => rng.normal());

/** Wall and CPU time of f: on a shared machine the CPU time is the stable number, the wall time what a user waits. */
function time<T>(f: () => T): { ms: number; cpu: number; value: T } {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const value = f();
  const cpu = process.cpuUsage(cpuStart);
  return { ms: performance.now() - start, cpu: (cpu.user + cpu.system) / 1000, value };
}

const rows: string[][] = [];
numericalRank(random(64, 64)); // warm-up: JIT the QR loops
for (const n of [256, 512, 1024]) {
  const M = random(n, n);
  const { ms, cpu, value } = time(() => numericalRank(M));
  rows.push([`generic ${n}×${n}`, String(value), ms.toFixed(0), cpu.toFixed(0), n === 1024 ? (ms < 2000 ? 'yes' : 'NO') : '']);
}
const low = random(1024, 64).matmul(random(64, 1024));
const lowRun = time(() => numericalRank(low));
rows.push(['rank-64 product 1024×1024', String(lowRun.value), lowRun.ms.toFixed(0), lowRun.cpu.toFixed(0), '']);

const spec = resolveSpec({
  name: 'bench',
  task: { kind: 'language-model', vocabSize: 96 },
  model: { width: 1024, heads: 16, layers: 1, seqLen: 64 },
  attention: { kind: 'bilinear-btt' },
} as StructureSpec);
const attention = spec.layers[0]!.groups[0]!.attention;
const weights = randomWeights(attention, spec.model, rng);
const materialise = time(() => scoringMatrix(attention, spec.model, weights));
rows.push(['materialise BTT head, D 1024', '', materialise.ms.toFixed(0), materialise.cpu.toFixed(0), '']);
const bttRank = time(() => numericalRank(materialise.value));
rows.push(['rank of that BTT head', String(bttRank.value), bttRank.ms.toFixed(0), bttRank.cpu.toFixed(0), '']);

const header = ['case', 'rank', 'wall ms', 'cpu ms', 'wall < 2 s'];
printTable(header, rows);
