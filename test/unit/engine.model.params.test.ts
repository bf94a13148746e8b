/**
 * The built model's parameters: their count equals core's analysis for every family, head groups, per-layer
 * structures and every task (and every example under examples/), names are unique checkpoint keys, each layer has
 * its own structure's tensors, and initialisation and learning-rate scales follow µP (§2.4).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'jsonc-parser';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { analyze } from '../../src/core/analysis';
import { Rng } from '../../src/core/random';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { buildModel } from '../../src/engine/model';
import type { Model } from '../../src/engine/types';
import { allExamples } from './examples.tiers';

tf.setBackend('cpu');

const tasks: Record<string, object> = {
  icl: { kind: 'icl-regression', inputDim: 4 },
  lm: { kind: 'language-model', vocabSize: 13 },
  forecast: { kind: 'forecast', channels: 3, lookback: 10, horizon: 6 },
};

const attentions: Record<string, object> = {
  dense: { kind: 'dense' },
  'dense qkDim 6': { kind: 'dense', qkDim: 6 },
  'sliding-window': { kind: 'sliding-window', window: 3 },
  'global-local': { kind: 'global-local', window: 3, split: [5, 3] },
  mlr: { kind: 'mlr', ranks: [4, 2, 2], normalize: 'coverage' },
  'bilinear-mlr': { kind: 'bilinear-mlr', ranks: [4, 2, 2] },
  'bilinear-btt s=2': { kind: 'bilinear-btt', rank: 2 },
  'mlbtc kronecker': { kind: 'mlbtc', preset: 'kronecker' },
  'mlbtc levels': {
    kind: 'mlbtc',
    levels: [
      { blocks: 1, out: [4, 4], in: [2, 8], rank: 2 },
      { blocks: 2, out: [2, 4], in: [4, 2], rank: 1, kronecker: true },
    ],
  },
  groups: [
    { heads: 1, kind: 'dense', qkNorm: false },
    { heads: 1, kind: 'bilinear-btt', weightClamp: false },
  ],
};

// Per-layer structures over the 2 layers of specFor: head groups in layer 0, mlr in layer 1.
attentions['per-layer groups | mlr'] = { pattern: [attentions.groups, attentions.mlr] };

/** Sequence lengths the tasks need: 4·inputDim for ICL, lookback + horizon for forecasting; LM takes 16. */
const seqLen: Record<string, number> = { icl: 16, lm: 16, forecast: 16 };

function specFor(task: string, attention: string): ResolvedSpec {
  return resolveSpec({
    name: `${task}-${attention}`,
    task: tasks[task]!,
    model: { width: 16, heads: 2, layers: 2, seqLen: seqLen[task]! },
    attention: attentions[attention]!,
  } as unknown as StructureSpec);
}

function countParams(model: Model): number {
  return model.params.reduce((n, p) => n + p.variable.size, 0);
}

for (const task of Object.keys(tasks)) {
  test(`${task}: parameter count equals analyze().params.total for every family`, () => {
    for (const attention of Object.keys(attentions)) {
      const spec = specFor(task, attention);
      const model = buildModel(spec, new Rng(0));
      assert.equal(countParams(model), analyze(spec).params.total, `${task} / ${attention}`);
      const names = model.params.map((p) => p.name);
      assert.equal(new Set(names).size, names.length, 'parameter names are unique');
      model.dispose();
    }
  });
}

test('every example under examples/ and examples/paper/ builds with exactly analyze().params.total parameters', () => {
  const files = allExamples();
  assert.ok(files.length > 0, 'examples/ holds specs');
  for (const { dir, file, label } of files) {
    const spec = resolveSpec(parse(fs.readFileSync(path.join(dir, file), 'utf8')) as StructureSpec);
    const model = buildModel(spec, new Rng(0));
    assert.equal(countParams(model), analyze(spec).params.total, label);
    model.dispose();
  }
});

test('per-layer structures: each block holds the tensors of its own structure, under h.<layer>.…', () => {
  const pattern = [attentions.dense!, attentions['sliding-window']!, attentions.groups!];
  const spec = resolveSpec({
    name: 'per-layer',
    task: tasks.lm!,
    model: { width: 16, heads: 2, layers: 6, seqLen: 16 },
    attention: { pattern },
  } as unknown as StructureSpec);
  const model = buildModel(spec, new Rng(0));
  const shapes = (m: Model, layer: number) =>
    Object.fromEntries(m.params.filter((p) => p.name.startsWith(`h.${layer}.`)).map((p) => [p.name.slice(`h.${layer}.`.length), p.variable.shape]));
  for (let layer = 0; layer < 6; layer++) {
    const alone = resolveSpec({ ...spec, name: 'alone', model: { ...spec.model, layers: 1 }, attention: pattern[layer % 3] } as unknown as StructureSpec);
    const uniform = buildModel(alone, new Rng(0));
    assert.deepEqual(shapes(model, layer), shapes(uniform, 0), `layer ${layer}`);
    uniform.dispose();
  }
  // Dense and sliding-window heads have the same tensors; the head-group layers have a second group.
  assert.ok(model.params.some((p) => p.name === 'h.2.attn.g1.wq') && model.params.some((p) => p.name === 'h.5.attn.g1.wq'));
  assert.ok(!model.params.some((p) => /^h\.[0134]\.attn\.g1\./.test(p.name)));
  assert.equal(countParams(model), analyze(spec).params.total);
  model.dispose();
});

function stats(values: Float32Array): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

test('µP initialisation and learning-rate scales (§2.4)', () => {
  const spec = resolveSpec({
    name: 'mup',
    task: { kind: 'language-model', vocabSize: 40 },
    model: { width: 64, heads: 4, layers: 1, seqLen: 32 },
    attention: [
      { heads: 2, kind: 'bilinear-mlr', ranks: [8, 4, 4] },
      { heads: 2, kind: 'bilinear-btt', rank: 2 },
    ],
    training: { mupBaseWidth: 768 },
  } as unknown as StructureSpec);
  const model = buildModel(spec, new Rng(1));
  const byName = new Map(model.params.map((p) => [p.name, p]));
  const expectations: [name: string, init: 'zeros' | 'ones' | number, lrScale: number][] = [
    ['wte', 0.02, 1],
    ['wpe', 0.02, 1],
    ['h.0.ln_1', 'ones', 1],
    ['h.0.attn.wv', 1 / Math.sqrt(64), 768 / 64],
    ['h.0.attn.wo', 'zeros', 768 / 64],
    ['h.0.mlp.c_fc', 1 / Math.sqrt(64), 768 / 64],
    ['h.0.mlp.c_proj', 'zeros', 768 / 256],
    // bilinear-mlr level l: N(0, p_l/D), lr 768·p_l/D.
    ['h.0.attn.g0.levels.0.wq', 1 / Math.sqrt(64), 768 / 64],
    ['h.0.attn.g0.levels.2.wk', 1 / Math.sqrt(16), 768 / 16],
    ['h.0.attn.g0.levels.1.ln_q', 'ones', 1],
    // bilinear-btt with factors (4, 16), s = 2: W_K ~ N(0, 1/d) lr 768/d; W_Q ~ N(0, 1/(c·s)) lr 768/(c·s).
    ['h.0.attn.g1.wk', 1 / Math.sqrt(16), 768 / 16],
    ['h.0.attn.g1.wq', 1 / Math.sqrt(8), 768 / 8],
    ['h.0.attn.g1.ln_keys', 'ones', 1],
    ['ln_f', 'ones', 1],
    ['lm_head', 'zeros', 768 / 64],
  ];
  for (const [name, init, lrScale] of expectations) {
    const p = byName.get(name);
    assert.ok(p, `parameter ${name} exists (have: ${[...byName.keys()].join(', ')})`);
    assert.equal(p.lrScale, lrScale, `${name} lrScale`);
    assert.equal(p.decay, p.variable.shape.length >= 2, `${name} decays iff it has two or more dimensions`);
    const values = p.variable.dataSync() as Float32Array;
    if (init === 'zeros') assert.ok(values.every((v) => v === 0), `${name} is zero`);
    else if (init === 'ones') assert.ok(values.every((v) => v === 1), `${name} is ones`);
    else {
      const { mean, std } = stats(values);
      // Tolerances from the sample sizes (≥ 512 values): the std estimate is within ~10% with overwhelming odds.
      assert.ok(Math.abs(mean) < 4 * init / Math.sqrt(values.length), `${name} mean ${mean}`);
      assert.ok(Math.abs(std / init - 1) < 0.12, `${name} std ${std}, expected ${init}`);
    }
  }
  assert.deepEqual(spec.layers[0]!.groups[1]!.attention.kind === 'bilinear-btt' && spec.layers[0]!.groups[1]!.attention.factors, [4, 16]);
  model.dispose();
});

test('the same seed builds the same weights; another seed builds different ones', () => {
  const spec = specFor('lm', 'mlr');
  const [a, b, c] = [0, 0, 1].map((seed) => buildModel(spec, new Rng(seed)));
  const first = (m: Model) => Array.from(m.params.find((p) => p.name === 'h.0.attn.g0.wq')!.variable.dataSync());
  assert.deepEqual(first(a!), first(b!));
  assert.notDeepEqual(first(a!), first(c!));
  for (const m of [a, b, c]) m!.dispose();
});
