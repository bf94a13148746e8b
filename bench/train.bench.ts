/**
 * Training throughput of both of our runtimes — the tfjs engine and the PyTorch runtime (src/pytorch, its job's own
 * Trainer step, bench/torch_runtime.py) — beside an independent PyTorch implementation of the same models
 * (bench/torch_reference.py), measured side by side in one run, at the reference shapes:
 *   - in-context regression (§5.1): width 128 and 256, 6 layers, 8 heads, inputDim 32 (T = 128), batch 64, for
 *     dense, mlr, bilinear-mlr and bilinear-btt attention;
 *   - a character LM: width 256, 4 heads, 6 layers, T = 256, batch 16, dense attention;
 *   - MLR against dense attention scores at T = 1024 (score FLOP ratio 0.60 by core analyze()).
 * Both sides run on one thread (tfjs's wasm backend has one under Node; PyTorch via set_num_threads(1) and
 * OMP/OpenBLAS thread counts of 1). Times are CPU time of the process, not wall time: this machine's two cores are
 * shared, and CPU time of a single-threaded process is what contention distorts least. Wall time is printed too.
 * Prints tables; asserts nothing. Findings: bench/README.md.
 *
 *   npm run bench -- train                      (or: node --import tsx bench/train.bench.ts)
 *   options: --steps N (measured steps, default 3)  --backend B (default auto)  --only SUBSTRING  --profile
 *            --no-torch  --fast (the torch runtime's fast path: flex_attention and torch.compile, as on CUDA)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { analyze } from '../src/core/analysis';
import { Rng } from '../src/core/random';
import { resolveSpec, type ResolvedSpec } from '../src/core/spec/resolve';
import type { StructureSpec } from '../src/core/spec/schema';
import { startBackend, type BackendChoice } from '../src/engine/backend';
import { buildModel } from '../src/engine/model';
import { createTask } from '../src/engine/tasks';
import { trainingFlopsPerStep } from '../src/core/analysis/flops';
import { Trainer } from '../src/engine/train/trainer';
import { printMarkdownTable } from './table';
import { DATA_ROOTS_ENV } from '../src/protocol/worker';

const root = path.resolve(__dirname, '..');
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const STEPS = Number(arg('steps') ?? 3);
const BACKEND = (arg('backend') ?? 'auto') as BackendChoice;
const ONLY = arg('only');
const PROFILE = process.argv.includes('--profile');
const NO_TORCH = process.argv.includes('--no-torch');
const FAST = process.argv.includes('--fast');

interface Case {
  label: string;
  spec: ResolvedSpec;
  /** The same model for torch_reference.py. */
  torch: Record<string, unknown>;
}

// The full text where the machine has it (MLBTC_DATA_DIR), else the example's excerpt.
const LM_TEXT = [
  process.env.MLBTC_DATA_DIR && path.join(process.env.MLBTC_DATA_DIR, 'tinyshakespeare.txt'),
  path.join(root, 'examples/data/shakespeare.txt'),
].find((f): f is string => !!f && fs.existsSync(f))!;
// The full text may lie outside this workspace: allow its folder, as the mlbtc.dataRoots setting would.
process.env[DATA_ROOTS_ENV] = [process.env[DATA_ROOTS_ENV], path.dirname(LM_TEXT)].filter(Boolean).join(path.delimiter);

function iclCase(width: number, family: string, attention: Record<string, unknown>, microBatchSize: number): Case {
  const spec = resolveSpec({
    name: `icl-${family}-${width}`,
    task: { kind: 'icl-regression', inputDim: 32 },
    model: { width, heads: 8, layers: 6, seqLen: 128 },
    attention: { kind: family, ...attention },
    // The full batch of 64 needs more than tfjs-wasm's 4 GB heap: gradient accumulation, the same update.
    training: { batchSize: 64, microBatchSize, warmupSteps: 0 },
  } as unknown as StructureSpec);
  return {
    label: `ICL ${family} D${width}`,
    spec,
    torch: { task: 'icl', family, width, heads: 8, layers: 6, seqLen: 128, batch: 64, inputDim: 32, ...attention },
  };
}

function lmCase(family: string, attention: object): Case {
  const spec = resolveSpec({
    name: `char-lm-${family}-256`,
    task: { kind: 'language-model', vocabSize: 65, data: LM_TEXT },
    model: { width: 256, heads: 4, layers: 6, seqLen: 256 },
    attention: { kind: family, ...attention },
    // tfjs keeps every intermediate of the decomposed ops for the backward pass (~325 MB per sequence here), so the
    // batch of 16 runs as 4 micro-batches to fit the 4 GB wasm heap.
    training: { batchSize: 16, microBatchSize: 4, warmupSteps: 0 },
  } as unknown as StructureSpec);
  return {
    label: `char LM ${family} D256 T256`,
    spec,
    torch: { task: 'lm', family, width: 256, heads: 4, layers: 6, seqLen: 256, batch: 16, vocab: 65, ...attention },
  };
}

const cases: Case[] = [
  ...[128, 256].flatMap((w) => {
    const r = w / 8; // head dim
    const micro = w === 128 ? 16 : 8;
    return [
      iclCase(w, 'dense', { logitScale: 'standard' }, micro),
      iclCase(w, 'mlr', { ranks: [r / 2, r / 4, r / 8, r / 8] }, micro),
      iclCase(w, 'bilinear-mlr', { ranks: [r / 4, r / 4, r / 4, r / 4] }, micro),
      iclCase(w, 'bilinear-btt', { rank: 1 }, micro),
    ];
  }),
  // Head dim 64: the same kinds as the ICL rows, MLR with the dyadic blocks of its default.
  lmCase('dense', {}),
  lmCase('mlr', { ranks: [32, 16, 8, 8] }),
  lmCase('bilinear-mlr', { ranks: [16, 16, 16, 16] }),
  lmCase('bilinear-btt', { rank: 1 }),
].filter((c) => !ONLY || c.label.includes(ONLY));

// ─── measuring ──────────────────────────────────────────────────────────────────────────────────────────────────

interface Timing {
  cpuMs: number;
  wallMs: number;
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function measure(run: () => void, n: number): Timing {
  const cpu0 = cpuNow();
  const wall0 = performance.now();
  for (let i = 0; i < n; i++) run();
  return { cpuMs: (cpuNow() - cpu0) / n, wallMs: (performance.now() - wall0) / n };
}

function python(): string | null {
  if (NO_TORCH) return null;
  for (const exe of [process.env.MLBTC_PYTHON, path.join(root, '.venv', 'bin', 'python'), 'python3'].filter(Boolean) as string[]) {
    const r = spawnSync(exe, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return exe;
  }
  return null;
}

/** One JSON config to a Python timing script (torch_reference.py or torch_runtime.py), on one thread. */
function torchTiming(exe: string, config: Record<string, unknown>, script = 'torch_reference.py'): Timing | string {
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const r = spawnSync(exe, [path.join(__dirname, script), JSON.stringify({ steps: STEPS, warmup: 1, ...config })], {
    encoding: 'utf8',
    env,
  });
  if (r.status !== 0) return `failed: ${r.stderr.trim().split('\n').at(-1)}`;
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { cpuMs: number; wallMs: number };
  return out;
}

async function profileStep(trainer: Trainer, step: number): Promise<void> {
  const info = await tf.profile(async () => {
    await trainer.step(step);
  });
  const byKernel = new Map<string, { ms: number; calls: number }>();
  // A tf.customGrad op (LayerNorm, GELU) is profiled as one "forward" entry around its own kernels, which are listed
  // too: skipped, so that no time is counted twice.
  const kernels = info.kernels.filter((k) => k.name !== 'forward');
  for (const k of kernels) {
    const ms = Number(await (k.kernelTimeMs as unknown as Promise<number> | number));
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    const e = byKernel.get(key) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byKernel.set(key, e);
  }
  const total = [...byKernel.values()].reduce((a, e) => a + e.ms, 0);
  // Per kernel kind too: many small calls of one kind (element-wise ops, reshapes) hide below the top shapes.
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const [key, e] of byKernel) {
    const name = key.slice(0, key.indexOf(' '));
    const n = byName.get(name) ?? { ms: 0, calls: 0 };
    n.ms += e.ms;
    n.calls += e.calls;
    byName.set(name, n);
  }
  const top = (m: Map<string, { ms: number; calls: number }>, n: number) => [...m].sort((a, b) => b[1].ms - a[1].ms).slice(0, n);
  console.log(`  ${kernels.length} kernel calls, ${total.toFixed(0)} ms in kernels; by kind:`);
  for (const [k, e] of top(byName, 16)) console.log(`    ${e.ms.toFixed(0).padStart(6)} ms ×${e.calls} ${k}`);
  console.log('  top 12 kernel shapes:');
  for (const [k, e] of top(byKernel, 12)) console.log(`    ${e.ms.toFixed(0).padStart(6)} ms ×${e.calls} ${k}`);
}

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');

/**
 * One case in this process (started by main with --case N): a fresh process per case, because tfjs-wasm's heap only
 * grows, and a case after several big ones can fail to allocate in a fragmented 4 GB heap. Prints one JSON line.
 */
async function runCase(index: number): Promise<void> {
  const c = cases[index]!;
  await startBackend(BACKEND);
  const rng = new Rng(0);
  const model = buildModel(c.spec, rng.fork());
  const task = createTask({ spec: c.spec, specDir: root, rng: rng.fork() });
  const trainer = new Trainer(model, task, c.spec.training);
  let step = 1;
  await trainer.step(step++);
  const cpu0 = cpuNow();
  const wall0 = performance.now();
  for (let i = 0; i < STEPS; i++) await trainer.step(step++);
  const ours = { cpuMs: (cpuNow() - cpu0) / STEPS, wallMs: (performance.now() - wall0) / STEPS };
  if (PROFILE) await profileStep(trainer, step++);
  console.log(JSON.stringify(ours));
}

function oursTiming(index: number): Timing | string {
  const args = [
    '--import',
    'tsx',
    __filename,
    '--case',
    String(index),
    '--steps',
    String(STEPS),
    '--backend',
    BACKEND,
    ...(ONLY ? ['--only', ONLY] : []),
    ...(PROFILE ? ['--profile'] : []),
  ];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (PROFILE)
    process.stdout.write(
      r.stdout
        .split('\n')
        .filter((l) => !l.startsWith('{'))
        .join('\n'),
    );
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !last.startsWith('{'))
    return `failed: ${(
      r.stderr
        .trim()
        .split('\n')
        .find((l) => /Error/.test(l)) ?? `exit ${r.status}`
    ).slice(0, 60)}`;
  return JSON.parse(last) as Timing;
}

async function main(): Promise<void> {
  const backend = await startBackend(BACKEND, (line) => console.log(`  ${line}`));
  const exe = python();
  console.log(
    `backend: ${backend.description}; PyTorch: ${exe ? `${exe} (1 thread)` : 'skipped (no python3 with torch; set MLBTC_PYTHON)'}; ${STEPS} measured steps after 1 warm-up\n`,
  );

  const rows: string[][] = [
    [
      'model',
      'params',
      'GFLOP/step',
      'tfjs ms/step (cpu / wall)',
      'tfjs tok/s',
      `torch runtime tok/s${FAST ? ' (fast path)' : ''}`,
      'reference ms/step (cpu / wall)',
      'reference tok/s',
      'tfjs/ref',
      'runtime/ref',
    ],
  ];
  for (const [i, c] of cases.entries()) {
    const tokens = c.spec.training.batchSize * c.spec.model.seqLen;
    const ours = oursTiming(i);
    const torch = exe ? torchTiming(exe, c.torch) : 'skipped';
    // The runtime's plain path unless --fast: on a CPU, compiling costs tens of seconds to minutes per model, and the
    // runtime takes the fast path only on CUDA by default (bench/gpu measures it there). The compiling steps are
    // warm-up, not timed.
    const fast = FAST ? { fast: true, warmup: 2 } : {};
    const runtime = exe ? torchTiming(exe, { spec: c.spec, specDir: root, threads: 1, ...fast }, 'torch_runtime.py') : 'skipped';
    const rate = (t: Timing | string) => (typeof t === 'string' ? NaN : (tokens / t.cpuMs) * 1000);
    const [oursRate, torchRate, runtimeRate] = [rate(ours), rate(torch), rate(runtime)];
    const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? (a / b).toFixed(2) : '–');
    const cell = (t: Timing | string) => (typeof t === 'string' ? t : `${fmt(t.cpuMs)} / ${fmt(t.wallMs)}`);
    rows.push([
      c.label +
        (c.spec.training.microBatchSize
          ? ` (${c.spec.training.batchSize / c.spec.training.microBatchSize}×${c.spec.training.microBatchSize})`
          : ''),
      fmt(analyze(c.spec).params.total),
      (trainingFlopsPerStep(c.spec) / 1e9).toFixed(1),
      cell(ours),
      fmt(oursRate),
      typeof runtime === 'string' ? runtime : fmt(runtimeRate),
      cell(torch),
      fmt(torchRate),
      ratio(oursRate, torchRate),
      ratio(runtimeRate, torchRate),
    ]);
    console.log(`  ${c.label}: tfjs ${cell(ours)} ms/step, torch runtime ${cell(runtime)}, reference ${cell(torch)} (cpu / wall)`);
  }
  console.log(`\nTraining step, one thread (${backend.description}), ${STEPS} steps each; tokens/s from CPU time:`);
  printMarkdownTable(rows[0]!, rows.slice(1));

  if (!ONLY || 'T1024 scores'.includes(ONLY)) await scoresAtT1024(exe);
}

/** MLR vs dense attention scores of one layer at T = 1024 (the char-LM shape): forward time against FLOP ratio. */
async function scoresAtT1024(exe: string | null): Promise<void> {
  const make = (attention: Record<string, unknown>): ResolvedSpec =>
    resolveSpec({
      name: 'scores',
      task: { kind: 'language-model', vocabSize: 65 },
      model: { width: 256, heads: 4, layers: 1, seqLen: 1024 },
      attention,
    } as unknown as StructureSpec);
  const mlrAttention = { kind: 'mlr', ranks: [32, 8, 6, 4, 4, 4, 4, 2], normalize: 'coverage' };
  const specs = { dense: make({ kind: 'dense' }), mlr: make(mlrAttention) };
  const flopRatio = analyze(specs.mlr).macs.scoresPerHead / analyze(specs.dense).macs.scoresPerHead;
  const batch = 2;
  const x = tf.randomNormal([batch, 1024, 256]) as tf.Tensor3D;
  const rows: string[][] = [
    ['scores (B 2, T 1024, D 256, 4 heads)', 'tfjs ms (cpu / wall)', 'torch runtime ms (cpu / wall)', 'reference ms (cpu / wall)'],
  ];
  const times: Record<string, { ours: number; runtime: number; torch: number }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const model = buildModel(spec, new Rng(1));
    tf.tidy(() => void model.attentionLogits(0, x).dataSync());
    // The callback returns nothing: tidy walks a returned value looking for tensors, element by element for a typed array.
    const ours = measure(() => tf.tidy(() => void model.attentionLogits(0, x).dataSync()), STEPS);
    model.dispose();
    const torch = exe
      ? torchTiming(exe, {
          mode: 'scores',
          task: 'lm',
          family: name,
          width: 256,
          heads: 4,
          layers: 1,
          seqLen: 1024,
          batch,
          vocab: 65,
          ...(name === 'mlr' ? mlrAttention : {}),
        })
      : 'skipped';
    // The runtime's plain path (what it runs on a CPU), on the same shapes.
    const runtime = exe
      ? torchTiming(
          exe,
          { mode: 'scores', spec, specDir: root, threads: 1, batch, ...(FAST ? { fast: true, warmup: 2 } : {}) },
          'torch_runtime.py',
        )
      : 'skipped';
    const cpu = (t: Timing | string) => (typeof t === 'string' ? NaN : t.cpuMs);
    const cell = (t: Timing | string) => (typeof t === 'string' ? t : `${fmt(t.cpuMs)} / ${fmt(t.wallMs)}`);
    times[name] = { ours: ours.cpuMs, runtime: cpu(runtime), torch: cpu(torch) };
    rows.push([name, cell(ours), cell(runtime), cell(torch)]);
  }
  x.dispose();
  const ratio = (side: 'ours' | 'runtime' | 'torch') =>
    Number.isFinite(times.mlr![side]) ? (times.mlr![side] / times.dense![side]).toFixed(2) : '–';
  rows.push([`mlr / dense (score FLOP ratio ${flopRatio.toFixed(2)})`, ratio('ours'), ratio('runtime'), ratio('torch')]);
  console.log('\nAttention scores forward, one layer:');
  printMarkdownTable(rows[0]!, rows.slice(1));
}

const caseIndex = arg('case');
(caseIndex !== undefined ? runCase(Number(caseIndex)) : main()).then(
  () => process.exit(0), // Dawn keeps the event loop alive when the webgpu backend was started
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
