/**
 * The two training runtimes behind one run-folder contract: the tfjs worker (src/engine/worker.ts) and the PyTorch
 * worker (python -m mlbtc_torch.worker) train the same spec to the same loss curve, write checkpoints the other
 * resumes, and write checkpoints the safetensors package opens.
 *
 * Python: MLBTC_PYTHON, else <repo>/.venv/bin/python, else python3; the suite is skipped, saying why, only when none
 * of them has torch.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRunFolder, listCheckpoints, readRunStatus } from '../../src/runfolder/runFolder';
import { runJob } from '../../src/engine/train/job';
import { parseMetricLines, RunFiles, type EvalRecord, type TrainRecord } from '../../src/protocol/run';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { tempDir, toyDependencies, toySpec } from './engine.train.fixtures';
import { findPython, pythonEnv as torchPackageEnv } from '../crossRuntime/python';

const root = path.resolve(__dirname, '../..');

const found = findPython();
const python = 'python' in found ? found.python : '';
const pythonEnv = { ...torchPackageEnv(), MLBTC_TORCH_FAST: '0' };

/** Run a worker to its exit; resolves with its exit code and stderr. */
type Exit = { code: number | null; stderr: string };
function runWorker(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const tfjsWorker = (dir: string, ...flags: string[]) =>
  runWorker(process.execPath, ['--import', 'tsx', path.join(root, 'src/engine/worker.ts'), dir, ...flags]);
const torchWorker = (dir: string, ...flags: string[]) => runWorker(python, ['-m', 'mlbtc_torch.worker', dir, ...flags], pythonEnv);

/** A tiny ICL transformer on the tfjs cpu backend (deterministic) and the torch cpu device, 20 steps. */
const tinySpec: ResolvedSpec = resolveSpec({
  name: 'tiny',
  task: { kind: 'icl-regression', inputDim: 4, noise: 0 },
  model: { width: 16, heads: 2, layers: 1, seqLen: 16, mlpRatio: 2 },
  attention: { kind: 'dense' },
  training: {
    ...{ steps: 20, batchSize: 4, lr: 0.002, weightDecay: 0.1, warmupSteps: 2 },
    ...{ logEvery: 1, evalEvery: 10, evalBatches: 1, checkpointEvery: 10, backend: 'cpu' },
  },
} as StructureSpec);

function newRun(spec: ResolvedSpec, name: string, parent = tempDir('cross')): string {
  const dir = path.join(parent, name);
  createRunFolder(dir, { spec, sourcePath: path.join(parent, 'tiny.mlbtc.json'), sourceText: '{}', overrides: {} });
  return dir;
}

function records(dir: string) {
  const all = parseMetricLines(fs.readFileSync(path.join(dir, RunFiles.metrics), 'utf8'));
  return { train: all.filter((r): r is TrainRecord => r.kind === 'train'), evals: all.filter((r): r is EvalRecord => r.kind === 'eval') };
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/**
 * How far the torch curve may stray from the tfjs one. The first steps agree to float32 rounding (measured: steps
 * 1–3 identical, step 4 6.7e-8); from there AdamW's m/√v magnifies the rounding differences of the two runtimes'
 * kernels (summation order in matmuls and reductions) as it does between any two float32 implementations, and
 * the curves drift apart slowly: measured max relative difference over 20 steps 1.7e-2 (step 18), and 3.6e-2 in
 * val.loss at step 20. A wrong port (a missing µP scale, decay on a gain, a different schedule) is off by far more
 * from step 2 on.
 */
const FIRST_STEPS = 3;
const FIRST_STEPS_TOLERANCE = 1e-6;
const CURVE_TOLERANCE = 0.06;

/** Stop a finished run after `step` as a kill would leave it: later checkpoints gone, status no longer final. */
function rewindTo(dir: string, step: number): void {
  for (const c of listCheckpoints(dir)) if (c.step > step) fs.rmSync(c.path, { recursive: true });
  const status = readRunStatus(dir);
  const stopped = { ...status, state: 'cancelled', step, exitReason: `stopped after step ${step}` };
  fs.writeFileSync(path.join(dir, RunFiles.status), JSON.stringify(stopped));
}

function assertCurvesAgree(ours: TrainRecord[], reference: TrainRecord[], what: string): void {
  const positions = (rs: TrainRecord[]) => rs.map((r) => [r.step, r.tokens, r.flops, r.lr]);
  assert.deepEqual(positions(ours), positions(reference), `${what}: positions`);
  ours.forEach((r, i) => {
    const limit = i < FIRST_STEPS ? FIRST_STEPS_TOLERANCE : CURVE_TOLERANCE;
    const why = `${what}: step ${r.step} loss ${r.loss} vs ${reference[i].loss} (limit ${limit})`;
    assert.ok(relative(r.loss, reference[i].loss) <= limit, why);
  });
}

describe('tfjs and PyTorch runtimes', { skip: 'skip' in found ? found.skip : false }, () => {
  const parent = tempDir('cross');
  const tfjsRun = path.join(parent, 'tfjs');
  const torchRun = path.join(parent, 'torch');

  before(async () => {
    newRun(tinySpec, 'tfjs', parent);
    newRun(tinySpec, 'torch', parent);
    const [a, b] = await Promise.all([tfjsWorker(tfjsRun), torchWorker(torchRun)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
  });

  it('train the same spec to the same loss curve', () => {
    assert.match(readRunStatus(tfjsRun).runtime ?? '', /^tfjs \d+\.\d+\.\d+ · cpu$/);
    assert.match(readRunStatus(torchRun).runtime ?? '', /^torch \d+\.\d+\.\d+ · cpu · fp32$/);
    const tfjs = records(tfjsRun);
    const torch = records(torchRun);
    assert.equal(tfjs.train.length, 20);
    assertCurvesAgree(torch.train, tfjs.train, 'torch vs tfjs');
    assert.deepEqual(Object.keys(torch.evals[1]).sort(), Object.keys(tfjs.evals[1]).sort());
    assert.ok(relative(torch.evals[1]['val.loss'] as number, tfjs.evals[1]['val.loss'] as number) <= CURVE_TOLERANCE);
  });

  it('write checkpoints the safetensors package opens, with the tensors state.json lists', () => {
    for (const dir of [tfjsRun, torchRun]) {
      const checkpoint = listCheckpoints(dir).at(-1)!.path;
      const script = [
        'import json, sys',
        'from safetensors.torch import load_file',
        'd = sys.argv[1]',
        'm = load_file(d + "/model.safetensors"); o = load_file(d + "/optimizer.safetensors")',
        'print(json.dumps({"model": {k: list(v.shape) for k, v in m.items()}, "optimizer": sorted(o)}))',
      ].join('\n');
      const r = spawnSync(python, ['-c', script, checkpoint], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      const loaded = JSON.parse(r.stdout) as { model: Record<string, number[]>; optimizer: string[] };
      type Meta = { params: { name: string; shape: number[] }[] };
      const meta = JSON.parse(fs.readFileSync(path.join(checkpoint, 'state.json'), 'utf8')) as Meta;
      assert.deepEqual(loaded.model, Object.fromEntries(meta.params.map((p) => [p.name, p.shape])), dir);
      assert.deepEqual(loaded.optimizer, meta.params.flatMap((p) => [`m.${p.name}`, `v.${p.name}`]).sort(), dir);
    }
  });

  for (const [from, to] of [
    ['tfjs', 'torch'],
    ['torch', 'tfjs'],
  ] as const) {
    it(`continue a run started in ${from} and stopped, in ${to}`, async () => {
      const dir = newRun(tinySpec, `${from}-then-${to}`);
      assert.equal((await (from === 'tfjs' ? tfjsWorker(dir) : torchWorker(dir))).code, 0);
      rewindTo(dir, 10);
      const resumed = await (to === 'tfjs' ? tfjsWorker(dir, '--resume') : torchWorker(dir, '--resume'));
      assert.equal(resumed.code, 0, resumed.stderr);
      const status = readRunStatus(dir);
      assert.equal(status.state, 'completed', status.exitReason ?? '');
      assert.match(status.runtime ?? '', new RegExp(`^${to} `));
      const log = fs.readFileSync(path.join(dir, RunFiles.log), 'utf8');
      assert.match(log, new RegExp(`the checkpoint was written by ${from} .* losses will differ slightly`));
      const reference = records(from === 'tfjs' ? tfjsRun : torchRun).train;
      const { train } = records(dir);
      const withoutWall = (rs: TrainRecord[]) => rs.map(({ wallMs, ...r }) => (void wallMs, r));
      const kept = `the ${from} records up to the checkpoint stay`;
      assert.deepEqual(withoutWall(train.slice(0, 10)), withoutWall(reference.slice(0, 10)), kept);
      assertCurvesAgree(train.slice(10), reference.slice(10), `${from} → ${to} after step 10`);
    });
  }

  it('apply the same AdamW update (µP scales, decay mask, clipping, schedule) to float32 rounding', async () => {
    // The toy model of engine.train.fixtures.ts and its twin in test/python/train_toys.py: no attention kernels, so
    // only the optimiser and the loop differ. Measured: max relative loss difference 1.3e-7 over 12 steps.
    const spec = toySpec({
      ...{ steps: 12, batchSize: 8, lr: 0.02, warmupSteps: 3, logEvery: 1, evalEvery: 4 },
      ...{ checkpointEvery: 4, seed: 9, gradClip: 1, weightDecay: 0.1 },
    });
    const tfjs = newRun(spec, 'toy-tfjs');
    const torch = newRun(spec, 'toy-torch');
    await runJob({ runDir: tfjs, dependencies: toyDependencies() });
    const testDir = path.join(root, 'test', 'python');
    const toyWorker = [
      'import os, sys; sys.path[:0] = [os.environ["TOY_PATH"]]',
      'from train_toys import toy_dependencies; from mlbtc_torch.worker import main',
      'sys.exit(main(sys.argv[1:], toy_dependencies()))',
    ].join('\n');
    const r = await runWorker(python, ['-c', toyWorker, torch], { ...pythonEnv, TOY_PATH: testDir });
    assert.equal(r.code, 0, r.stderr);
    const a = records(torch).train;
    const b = records(tfjs).train;
    assert.equal(a.length, 12);
    a.forEach((x, i) => assert.ok(relative(x.loss, b[i].loss) <= 1e-6, `step ${x.step}: ${x.loss} vs ${b[i].loss}`));
  });
});
