/**
 * The PyTorch runtime (src/pytorch/mlbtc_torch) builds and computes what the tfjs engine does, for every attention
 * family, the MLBTC presets, a general MLBTC, head groups, per-layer structures and every task, at tiny sizes: the same parameters (names,
 * shapes, order, µP lr scales, decay) with the same seeded initial values, the same first batch, task state and
 * description, the same second batch from a task restored from the tfjs task's state (a tfjs checkpoint resumed in
 * torch), and at a perturbed point the same loss, gradients and evaluation metrics, on the plain path and the fast
 * path (fused attention kernels; one case also compiled with inductor). test/crossRuntime/tfjsReference.ts records
 * the tfjs side in-process; one Python process checks every case (mlbtc_torch.crosscheck).
 *
 * Tolerances (float32 in both runtimes, different kernels and summation orders): initial weights ≤ 1e-6 relative
 * (measured 0: the Rng port is exact), loss ≤ 1e-4 relative, gradients ≤ 1e-3 max-norm relative per tensor, metrics
 * ≤ 1e-4 relative, batches ≤ 1e-6 absolute (measured 0).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StructureSpec } from '../../src/core/spec/schema';
import { findPython, pythonEnv, repoRoot } from '../crossRuntime/python';
import { referenceCase, type CrossCase } from '../crossRuntime/tfjsReference';

const TOLERANCE = { initial: 1e-6, batch: 1e-6, loss: 1e-4, gradients: 1e-3, metrics: 1e-4 };

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbtc-crosscheck-'));
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
fs.writeFileSync(path.join(dataDir, 'text.txt'), 'the quick brown fox jumps over the lazy dog\n'.repeat(6));
fs.writeFileSync(
  path.join(dataDir, 'series.csv'),
  [
    'date,a,b,OT',
    ...Array.from({ length: 80 }, (_, r) => `${r},${Math.sin(r / 3)},${Math.cos(r / 5) + r / 60},${2 * Math.sin(r / 7)}`),
  ].join('\n'),
);

const examplesDir = path.join(repoRoot, 'examples');

const icl = { kind: 'icl-regression', inputDim: 4 };
const lm = { kind: 'language-model', vocabSize: 30, data: 'text.txt' };
const forecast = { kind: 'forecast', channels: 3, data: 'series.csv', lookback: 12, horizon: 4, split: [0.6, 0.2, 0.2] };

function crossCase(name: string, task: object, attention: object, training: object = {}, specDir = dataDir): CrossCase {
  const spec = {
    name,
    task,
    model: { width: 16, heads: 2, layers: 2, seqLen: 16, mlpRatio: 2 },
    attention,
    training: { batchSize: 3, evalBatches: 2, seed: 7, ...training },
  };
  return { name, spec: spec as unknown as StructureSpec, specDir };
}

/** The same case with another number of blocks (per-layer patterns repeat to it). */
const withLayers = (c: CrossCase, layers: number): CrossCase => ({ ...c, spec: { ...c.spec, model: { ...c.spec.model, layers } } });

const cases: CrossCase[] = [
  crossCase('dense', icl, { kind: 'dense' }),
  crossCase('dense, standard scale, qkDim 4, no QK-norm', icl, { kind: 'dense', logitScale: 'standard', qkDim: 4, qkNorm: false }),
  crossCase('sliding-window', icl, { kind: 'sliding-window', window: 3 }),
  crossCase('global-local', icl, { kind: 'global-local', window: 3, split: [4, 4] }),
  crossCase('mlr, coverage', icl, { kind: 'mlr', ranks: [4, 4], normalize: 'coverage' }),
  crossCase('mlr, three levels, custom blocks, levels', icl, {
    kind: 'mlr',
    ranks: [2, 2, 4],
    blockSizes: [16, 4, 2],
    normalize: 'levels',
    qkNorm: false,
  }),
  crossCase('bilinear-mlr', icl, { kind: 'bilinear-mlr', ranks: [2, 2] }),
  crossCase('bilinear-mlr, mup, levels, no clamp or QK-norm', icl, {
    kind: 'bilinear-mlr',
    ranks: [2, 1, 1],
    logitScale: 'mup',
    normalize: 'levels',
    weightClamp: false,
    qkNorm: false,
  }),
  crossCase('bilinear-btt rank 2', icl, { kind: 'bilinear-btt', rank: 2 }),
  crossCase('bilinear-btt factors [4, 4], mup, no clamp', icl, {
    kind: 'bilinear-btt',
    factors: [4, 4],
    logitScale: 'mup',
    weightClamp: false,
  }),
  ...(['low-rank', 'dense', 'btt', 'monarch', 'kronecker'] as const).map((preset) =>
    crossCase(`mlbtc ${preset}`, icl, { kind: 'mlbtc', preset, ...(preset === 'low-rank' || preset === 'btt' ? { rank: 2 } : {}) }),
  ),
  crossCase('mlbtc, general levels', icl, {
    kind: 'mlbtc',
    logitScale: 'mup',
    levels: [
      { blocks: 1, out: [2, 8], in: [4, 4], rank: 2 },
      { blocks: 2, out: [4, 2], in: [2, 4], rank: 1 },
      { blocks: 4, out: [2, 2], in: [2, 2], rank: 1, kronecker: true },
    ],
  }),
  crossCase('head groups', icl, [
    { heads: 1, kind: 'sliding-window', window: 5 },
    { heads: 1, kind: 'bilinear-btt' },
  ]),
  // Per-layer structures: the paper's sequential GSWA (MHA|SWA|SWA), and a head-group layer followed by a dense one.
  withLayers(
    crossCase('per-layer: sequential GSWA dense | sliding-window | sliding-window', icl, {
      pattern: [{ kind: 'dense' }, { kind: 'sliding-window', window: 3 }, { kind: 'sliding-window', window: 3 }],
    }),
    3,
  ),
  crossCase('per-layer: mlr + dense head groups, then dense', lm, {
    pattern: [[{ heads: 1, kind: 'mlr', ranks: [4, 4] }, { heads: 1, kind: 'dense' }], { kind: 'dense' }],
  }),
  crossCase('language-model, dense', lm, { kind: 'dense' }),
  crossCase('language-model, head groups', lm, [
    { heads: 1, kind: 'global-local', window: 2, split: [2, 6] },
    { heads: 1, kind: 'mlr', ranks: [4, 4] },
  ]),
  crossCase('forecast, mlr', forecast, { kind: 'mlr', ranks: [4, 2, 2] }),
  crossCase('forecast S, sliding-window', { ...forecast, channels: 1, features: 'S' }, { kind: 'sliding-window', window: 4 }),
  // The example data files, as the examples read them.
  crossCase(
    'language-model, examples/data/shakespeare.txt',
    { ...lm, vocabSize: 65, data: 'data/shakespeare.txt' },
    { kind: 'dense' },
    {},
    examplesDir,
  ),
  crossCase(
    'forecast, examples/data/ett-sample.csv',
    { ...forecast, channels: 7, data: 'data/ett-sample.csv', split: [0.7, 0.1, 0.2] },
    { kind: 'mlr', ranks: [4, 4] },
    {},
    examplesDir,
  ),
];

/** The case whose fast model is also compiled with inductor (the rest run the fused kernels eagerly). */
const INDUCTOR_CASE = 'language-model, dense';

interface Worst {
  max: number;
  at: string | null;
}

interface CaseReport {
  name: string;
  params: { same: boolean; ours: unknown; reference: unknown };
  initial: Worst;
  batch: Worst & { tokens: [number, number] };
  resumedBatch: Worst & { tokens: [number, number] };
  taskState: { ours: unknown; reference: unknown };
  describe: { ours: string; reference: string };
  plain: { loss: number; gradients: Worst };
  metrics: Worst & { keys: [string[], string[]] };
  fast: { skipped: string } | { compiled: string | null; loss: number; gradients: Worst };
}

function runPython(python: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { env: pythonEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${python} ${args.join(' ')} exited ${code}:\n${stderr.slice(-4000)}`)),
    );
  });
}

/** The task state with the Box–Muller spare compared to 1e-12 (V8's and the C library's log/sin/cos may differ in the last ulp). */
function assertSameState(ours: unknown, reference: unknown, where: string): void {
  const spare = (s: unknown) => (s as { rng: { spare: number | null } }).rng.spare;
  const [a, b] = [spare(ours), spare(reference)];
  assert.equal(a === null, b === null, `${where}: Box–Muller spare ${a} vs ${b}`);
  if (a !== null && b !== null) assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(b), `${where}: Box–Muller spare ${a} vs ${b}`);
  const withoutSpare = (s: unknown) => ({ ...(s as object), rng: { ...(s as { rng: object }).rng, spare: null } });
  assert.deepEqual(withoutSpare(ours), withoutSpare(reference), `${where}: task state`);
}

const found = findPython();

describe('PyTorch runtime against the tfjs engine', { skip: 'skip' in found ? found.skip : false }, () => {
  const reports = new Map<string, CaseReport>();

  before(async () => {
    if (!('python' in found)) return;
    const references = [];
    for (const c of cases) references.push(await referenceCase(c));
    const file = path.join(dataDir, 'reference.json');
    fs.writeFileSync(file, JSON.stringify(references));
    const out = await runPython(found.python, ['-m', 'mlbtc_torch.crosscheck', file, '--compile', `${INDUCTOR_CASE}=inductor`]);
    for (const r of (JSON.parse(out) as { cases: CaseReport[] }).cases) reports.set(r.name, r);
  });

  for (const c of cases) {
    it(c.name, () => {
      const r = reports.get(c.name);
      assert.ok(r, `no report for ${c.name}`);
      assert.ok(
        r.params.same,
        `parameters differ (name, shape, lrScale, decay):\n` +
          ` torch ${JSON.stringify(r.params.ours)}\n tfjs  ${JSON.stringify(r.params.reference)}`,
      );
      assert.ok(r.initial.max <= TOLERANCE.initial, `initial ${r.initial.at}: relative error ${r.initial.max}`);
      assert.ok(r.batch.max <= TOLERANCE.batch, `batch ${r.batch.at}: error ${r.batch.max}`);
      assert.equal(r.batch.tokens[0], r.batch.tokens[1], 'batch tokens');
      assert.ok(
        r.resumedBatch.max <= TOLERANCE.batch,
        `step 2 batch after restoring the tfjs task state, ${r.resumedBatch.at}: error ${r.resumedBatch.max}`,
      );
      assert.equal(r.resumedBatch.tokens[0], r.resumedBatch.tokens[1], 'step 2 batch tokens');
      assertSameState(r.taskState.ours, r.taskState.reference, c.name);
      assert.equal(r.describe.ours, r.describe.reference, 'describe()');
      assert.ok(r.plain.loss <= TOLERANCE.loss, `plain loss: relative error ${r.plain.loss}`);
      assert.ok(
        r.plain.gradients.max <= TOLERANCE.gradients,
        `plain gradient of ${r.plain.gradients.at}: relative error ${r.plain.gradients.max}`,
      );
      assert.deepEqual(r.metrics.keys[0], r.metrics.keys[1], 'metric keys');
      assert.ok(r.metrics.max <= TOLERANCE.metrics, `metric ${r.metrics.at}: relative error ${r.metrics.max}`);
      assert.ok(!('skipped' in r.fast), `fast path skipped: ${'skipped' in r.fast ? r.fast.skipped : ''}`);
      if (!('skipped' in r.fast)) {
        assert.equal(r.fast.compiled, c.name === INDUCTOR_CASE ? 'inductor' : null);
        assert.ok(r.fast.loss <= TOLERANCE.loss, `fast loss: relative error ${r.fast.loss}`);
        assert.ok(
          r.fast.gradients.max <= TOLERANCE.gradients,
          `fast gradient of ${r.fast.gradients.at}: relative error ${r.fast.gradients.max}`,
        );
      }
    });
  }
});
