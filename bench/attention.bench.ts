/**
 * Attention-module timings on the backends that run here (wasm, as training starts it, and cpu), forward + backward:
 *
 * 1. MLR scores: three ways to sum per-level block-diagonal products into the T×T logits, at the paper's LM
 *    setting (ranks 32|8|6|4|4|4|4|2, dyadic blocks) for T = 256 and 1024:
 *    - "nested": the engine's (src/engine/model/attention/blockDiagonal.ts): levels added finest first, re-blocked
 *      to the next level's block size, so only the last step is T×T;
 *    - "per-level pad": each level's blocks padded into its own T×T matrix, then summed;
 *    - "masked dense": each level as a full T×T product Q_l·K_lᵀ, masked to its blocks (no block savings at all).
 * 2. The scores of one attention layer of every family at D 256, 8 heads, T 256, batch 4 (the ICL reference shape).
 *
 * Run: node --import tsx bench/attention.bench.ts [--cpu]   (prints a table; asserts nothing)
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../src/core/random';
import { resolveSpec, type ResolvedSpec } from '../src/core/spec/resolve';
import type { StructureSpec } from '../src/core/spec/schema';
import { startBackend } from '../src/engine/backend';
import { buildModel } from '../src/engine/model';
import { blockDiagonal, sumBlockDiagonals } from '../src/engine/model/attention/blockDiagonal';

const RANKS = [32, 8, 6, 4, 4, 4, 4, 2];

/** Median wall time (ms) of `run` over `repeats` runs after one warm-up. */
function time(run: () => void, repeats: number): number {
  run();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

type Summation = (q: tf.Tensor[], k: tf.Tensor[], sizes: number[], t: number, g: number) => tf.Tensor;

const levelBlocks = (q: tf.Tensor, k: tf.Tensor, size: number, t: number, g: number, r: number) =>
  tf.matMul(tf.reshape(q, [(g * t) / size, size, r]), tf.reshape(k, [(g * t) / size, size, r]), false, true) as tf.Tensor3D;

const summations: Record<string, Summation> = {
  nested: (q, k, sizes, t, g) =>
    sumBlockDiagonals(
      sizes.map((size, l) => ({ size, blocks: levelBlocks(q[l]!, k[l]!, size, t, g, RANKS[l]!) })),
      t,
    ),
  'per-level pad': (q, k, sizes, t, g) =>
    tf.addN(
      sizes.map((size, l) =>
        blockDiagonal(tf.reshape(levelBlocks(q[l]!, k[l]!, size, t, g, RANKS[l]!), [g, t / size, size, size]) as tf.Tensor4D),
      ),
    ),
  'masked dense': (q, k, sizes, t, g) =>
    tf.addN(
      sizes.map((size, l) => {
        const mask = tf.tensor2d(
          Float32Array.from({ length: t * t }, (_, i) => (Math.floor(i / t / size) === Math.floor((i % t) / size) ? 1 : 0)),
          [t, t],
        );
        return tf.mul(tf.matMul(tf.reshape(q[l]!, [g, t, RANKS[l]!]), tf.reshape(k[l]!, [g, t, RANKS[l]!]), false, true), mask);
      }),
    ),
};

function benchMlr(t: number, repeats: number): void {
  const g = 4; // batch × heads
  const sizes = RANKS.map((_, l) => t / 2 ** l);
  const q = RANKS.map((r) => tf.variable(tf.randomNormal([g, t, r])));
  const k = RANKS.map((r) => tf.variable(tf.randomNormal([g, t, r])));
  const row: string[] = [];
  for (const [name, sum] of Object.entries(summations)) {
    const ms = time(() => tf.tidy(() => void tf.variableGrads(() => tf.sum(tf.square(sum(q, k, sizes, t, g))) as tf.Scalar)), repeats);
    row.push(`${name} ${ms.toFixed(1)} ms`);
  }
  console.log(`MLR scores T=${t}, ${g} heads, fwd+bwd: ${row.join(' | ')}`);
  tf.dispose([...q, ...k]);
}

function layerSpec(attention: object): ResolvedSpec {
  return resolveSpec({
    name: 'bench',
    task: { kind: 'icl-regression', inputDim: 64 },
    model: { width: 256, heads: 8, layers: 1, seqLen: 256 },
    attention,
  } as unknown as StructureSpec);
}

function benchFamilies(repeats: number): void {
  const families: Record<string, object> = {
    dense: { kind: 'dense' },
    'sliding-window': { kind: 'sliding-window', window: 64 },
    'global-local': { kind: 'global-local', window: 64, split: [16, 16] },
    mlr: { kind: 'mlr', ranks: [16, 8, 4, 4], normalize: 'coverage' },
    'bilinear-mlr': { kind: 'bilinear-mlr', ranks: [8, 8, 8, 8] },
    'bilinear-btt': { kind: 'bilinear-btt' },
    'mlbtc kronecker': { kind: 'mlbtc', preset: 'kronecker' },
  };
  console.log('One attention layer, D 256, 8 heads, T 256, batch 4, fwd+bwd of its scores (the family-specific part):');
  for (const [name, attention] of Object.entries(families)) {
    const spec = layerSpec(attention);
    const model = buildModel(spec, new Rng(0));
    const x = tf.randomNormal([4, 256, 256]) as tf.Tensor3D;
    const ms = time(() => tf.tidy(() => void tf.variableGrads(() => tf.sum(tf.square(model.attentionLogits(0, x))) as tf.Scalar)), repeats);
    console.log(`  ${name.padEnd(16)} ${ms.toFixed(1).padStart(8)} ms`);
    x.dispose();
    model.dispose();
  }
}

async function main(): Promise<void> {
  const backend = await startBackend(process.argv.includes('--cpu') ? 'cpu' : 'wasm');
  console.log(`backend: ${backend.description}`);
  benchMlr(256, 9);
  benchMlr(1024, 3);
  benchFamilies(3);
}

void main();
