/**
 * Every attention family's efficient tfjs module against core's dense float64 materialisation (src/core/materialize):
 * with QK-norm and the weight clamp off, one head's scores must equal `logits()` computed from that head's weights
 * copied into the canonical layout (relative error < 1e-5), and the module's attention weights must equal the row
 * softmax of those logits (which checks the causal and window masks too).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../src/core/random';
import { resolveSpec, type ResolvedAttention, type ResolvedModel, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { logits, levelWeight, type HeadWeights, type Tensor } from '../../src/core/materialize';
import { Matrix } from '../../src/core/linalg/matrix';
import { createHeadGroup } from '../../src/engine/model/attention';
import { GlobalLocalAttention } from '../../src/engine/model/attention/globalLocal';
import { MaskCache } from '../../src/engine/model/masks';
import { ParamFactory } from '../../src/engine/model/params';
import { buildModel } from '../../src/engine/model';
import type { NamedParam } from '../../src/engine/types';

tf.setBackend('cpu');

const BATCH = 2;

function spec(attention: object, model: Partial<StructureSpec['model']> = {}): ResolvedSpec {
  return resolveSpec({
    name: 'correctness',
    task: { kind: 'language-model', vocabSize: 11 },
    model: { width: 16, heads: 2, layers: 1, seqLen: 8, ...model },
    attention,
  } as unknown as StructureSpec);
}

/** A float64 tensor of `shape` whose entry at multi-index idx is source(idx). */
function gather(shape: number[], source: (idx: number[]) => number): Tensor {
  const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
  const idx = shape.map(() => 0);
  for (let flat = 0; flat < data.length; flat++) {
    data[flat] = source(idx);
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      if (++idx[axis]! < shape[axis]!) break;
      idx[axis] = 0;
    }
  }
  return { shape, data };
}

/**
 * Head h's weights, copied from the module's variables (named `${prefix}.…`, layouts documented in the family files
 * and src/engine/model/attention/blockTensor.ts) into core's canonical per-head layout (src/core/materialize/weights.ts).
 */
function headWeights(attention: ResolvedAttention, model: ResolvedModel, heads: number, h: number, params: Map<string, Float32Array>, prefix: string): HeadWeights {
  const D = model.width;
  const get = (name: string) => {
    const v = params.get(`${prefix}.${name}`);
    assert.ok(v, `parameter ${prefix}.${name} exists`);
    return v;
  };
  // (D, heads·dim) (in, out) projections → [dim, D] (out, in) rows of head h.
  const projection = (name: string, dim: number) => gather([dim, D], ([rho, e]) => get(name)[e! * heads * dim + h * dim + rho!]!);
  switch (attention.kind) {
    case 'dense':
      return { wq: projection('wq', attention.qkDim), wk: projection('wk', attention.qkDim) };
    case 'sliding-window':
    case 'mlr':
      return { wq: projection('wq', model.headDim), wk: projection('wk', model.headDim) };
    case 'global-local': {
      const dim = attention.split[0] + attention.split[1];
      return { wq: projection('wq', dim), wk: projection('wk', dim) };
    }
    case 'bilinear-mlr': {
      const out: HeadWeights = {};
      attention.ranks.forEach((r, l) => {
        const p = 2 ** l;
        const m = D / p;
        for (const w of ['wq', 'wk']) {
          const v = get(`levels.${l}.${w}`); // (p, m, heads·r)
          out[levelWeight(w, l)] = gather([p, m, r], ([k, e, rho]) => v[(k! * m + e!) * heads * r + h * r + rho!]!);
        }
      });
      return out;
    }
    case 'bilinear-btt': {
      const [a, b] = attention.factors;
      const s = attention.rank;
      const wq = get('wq'); // (heads·b, a, a·s)
      const wk = get('wk'); // (a, b, heads·b·s)
      return {
        wq: gather([b, a, a * s], ([beta, alpha, j]) => wq[((h * b + beta!) * a + alpha!) * a * s + j!]!),
        wk: gather([a, b, b * s], ([gamma, delta, j]) => wk[(gamma! * b + delta!) * heads * b * s + h * b * s + j!]!),
      };
    }
    case 'mlbtc': {
      const out: HeadWeights = {};
      attention.levels.forEach((level, l) => {
        const p = level.blocks;
        const [a, b] = level.out;
        const [c, d] = level.in;
        const s = level.rank;
        if (level.kronecker) {
          const A = get(`levels.${l}.kron_a`); // (p·heads, a, c)
          const B = get(`levels.${l}.kron_b`); // (p, d, heads·b)
          out[levelWeight('A', l)] = gather([p, a, c], ([k, alpha, gamma]) => A[((k! * heads + h) * a + alpha!) * c + gamma!]!);
          out[levelWeight('B', l)] = gather([p, b, d], ([k, beta, delta]) => B[(k! * d + delta!) * heads * b + h * b + beta!]!);
        } else {
          const right = get(`levels.${l}.right`); // (p·heads·b, a, c·s)
          const left = get(`levels.${l}.left`); // (p·c, d, heads·b·s)
          out[levelWeight('R', l)] = gather([p, a, b, c, s], ([k, alpha, beta, gamma, sigma]) => right[(((k! * heads + h) * b + beta!) * a + alpha!) * c * s + gamma! * s + sigma!]!);
          out[levelWeight('L', l)] = gather([p, s, b, c, d], ([k, sigma, beta, gamma, delta]) => left[((k! * c + gamma!) * d + delta!) * heads * b * s + (h * b + beta!) * s + sigma!]!);
        }
      });
      return out;
    }
  }
}

function paramValues(params: NamedParam[]): Map<string, Float32Array> {
  return new Map(params.map((p) => [p.name, p.variable.dataSync() as Float32Array]));
}

/** Row softmax of a matrix whose masked entries are −∞. */
function softmaxRows(m: Matrix): Float64Array {
  const out = new Float64Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    let max = -Infinity;
    for (let j = 0; j < m.cols; j++) max = Math.max(max, m.data[i * m.cols + j]!);
    let sum = 0;
    for (let j = 0; j < m.cols; j++) sum += out[i * m.cols + j] = Math.exp(m.data[i * m.cols + j]! - max);
    for (let j = 0; j < m.cols; j++) out[i * m.cols + j]! /= sum;
  }
  return out;
}

/** max |actual − expected| / max |expected| over the entries where expected is finite. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    if (!Number.isFinite(expected[i]!)) continue;
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  assert.ok(scale > 0, 'the reference has nonzero finite entries');
  return diff / scale;
}

/** (B, H, T, T) values → head h of batch b as a flat T×T array. */
function slab(values: Float32Array, b: number, h: number, heads: number, t: number): Float32Array {
  const start = (b * heads + h) * t * t;
  return values.subarray(start, start + t * t);
}

/** Random inputs (B, T, D) in float32, and the same values per batch element as float64 matrices for core. */
function inputs(model: ResolvedModel, seed: number): { x: tf.Tensor3D; X: Matrix[] } {
  const rng = new Rng(seed);
  const T = model.seqLen;
  const D = model.width;
  const flat = Float32Array.from({ length: BATCH * T * D }, () => rng.normal());
  const X = Array.from({ length: BATCH }, (_, b) => Matrix.from(T, D, (i, j) => flat[b * T * D + i * D + j]!));
  return { x: tf.tensor3d(flat, [BATCH, T, D]), X };
}

const TOLERANCE = 1e-5;

/** Build one head group of `attention` alone and compare every head with core's logits. */
function checkFamily(label: string, attention: object, model: Partial<StructureSpec['model']> = {}): void {
  test(`${label}: scores and weights equal the dense materialisation`, () => {
    const resolved = spec(attention, model);
    const group = resolved.layers[0]!.groups[0]!;
    const factory = new ParamFactory(new Rng(7), resolved.training.mupBaseWidth);
    const masks = new MaskCache(resolved.model.seqLen);
    const module = createHeadGroup({ params: factory, prefix: 'g', model: resolved.model, heads: group.heads, masks }, group.attention);
    const params = paramValues(factory.params);
    const { x, X } = inputs(resolved.model, 11);
    const T = resolved.model.seqLen;
    const weights = module.weights(x).dataSync() as Float32Array;
    const scores =
      module instanceof GlobalLocalAttention ? (({ global, local }) => [global.dataSync(), local.dataSync()])(module.parts(x)) : [module.scores(x).dataSync()];
    for (let h = 0; h < group.heads; h++) {
      const w = headWeights(group.attention, resolved.model, group.heads, h, params, 'g');
      for (let b = 0; b < BATCH; b++) {
        const reference = logits(group.attention, resolved.model, w, X[b]!);
        assert.equal(reference.length, scores.length, 'one score matrix per softmax');
        reference.forEach((ref, part) => {
          const err = relativeError(slab(scores[part] as Float32Array, b, h, group.heads, T), ref.data);
          assert.ok(err < TOLERANCE, `${label}: head ${h}, batch ${b}, part ${part}: relative error ${err.toExponential(2)}`);
        });
        const expectedWeights = new Float64Array(T * T);
        for (const ref of reference) softmaxRows(ref).forEach((v, i) => (expectedWeights[i]! += v));
        const got = slab(weights, b, h, group.heads, T);
        for (let i = 0; i < T * T; i++) {
          assert.ok(Math.abs(got[i]! - expectedWeights[i]!) < 1e-5, `${label}: head ${h}, batch ${b}: weight (${Math.floor(i / T)}, ${i % T}) is ${got[i]}, expected ${expectedWeights[i]}`);
        }
      }
    }
    for (const p of factory.params) p.variable.dispose();
    masks.dispose();
  });
}

const off = { qkNorm: false } as const;

checkFamily('dense, µP scale', { kind: 'dense', ...off });
checkFamily('dense, standard scale, qkDim 5', { kind: 'dense', qkDim: 5, logitScale: 'standard', ...off });
checkFamily('sliding-window w = 2', { kind: 'sliding-window', window: 2, ...off });
checkFamily('sliding-window w = 0 (self only)', { kind: 'sliding-window', window: 0, logitScale: 'standard', ...off });
checkFamily('global-local w = 2, split 5|3', { kind: 'global-local', window: 2, split: [5, 3], ...off });
checkFamily('mlr dyadic 4|2|2', { kind: 'mlr', ranks: [4, 2, 2], ...off });
checkFamily('mlr dyadic, normalize levels', { kind: 'mlr', ranks: [4, 2, 2], normalize: 'levels', ...off });
checkFamily('mlr dyadic, normalize coverage', { kind: 'mlr', ranks: [2, 2, 2, 2], normalize: 'coverage', ...off });
checkFamily('mlr non-nested blocks 4|12|6 at T = 12', { kind: 'mlr', ranks: [3, 3, 2], blockSizes: [4, 12, 6], ...off }, { seqLen: 12 });
checkFamily('mlr without a global level, blocks 4|2', { kind: 'mlr', ranks: [6, 2], blockSizes: [4, 2], ...off });
checkFamily('bilinear-mlr 4|2|2 standard', { kind: 'bilinear-mlr', ranks: [4, 2, 2], weightClamp: false, ...off });
checkFamily('bilinear-mlr 2|2|2|2 µP, normalize levels', { kind: 'bilinear-mlr', ranks: [2, 2, 2, 2], logitScale: 'mup', normalize: 'levels', weightClamp: false, ...off });
checkFamily('bilinear-btt rank 1', { kind: 'bilinear-btt', weightClamp: false, ...off });
checkFamily('bilinear-btt rank 2, factors 4×4, µP', { kind: 'bilinear-btt', rank: 2, factors: [4, 4], logitScale: 'mup', weightClamp: false, ...off });
for (const preset of ['low-rank', 'dense', 'btt', 'monarch', 'kronecker'] as const) {
  checkFamily(`mlbtc preset ${preset}`, { kind: 'mlbtc', preset, rank: preset === 'low-rank' || preset === 'btt' ? 3 : undefined, ...off });
}
checkFamily('mlbtc three custom levels (asymmetric factors, blocks, Kronecker)', {
  kind: 'mlbtc',
  logitScale: 'mup',
  levels: [
    { blocks: 1, out: [4, 4], in: [2, 8], rank: 2 },
    { blocks: 4, out: [4, 1], in: [1, 4], rank: 3 },
    { blocks: 2, out: [2, 4], in: [4, 2], rank: 1, kronecker: true },
  ],
  ...off,
});

test('head groups: Model.attentionLogits concatenates each group’s heads in head order, each equal to its dense materialisation', () => {
  const resolved = spec(
    [
      { heads: 2, kind: 'dense', qkNorm: false },
      { heads: 1, kind: 'mlr', ranks: [2, 2], qkNorm: false },
      { heads: 1, kind: 'mlbtc', preset: 'btt', rank: 2, qkNorm: false },
    ],
    { heads: 4, layers: 2 },
  );
  const model = buildModel(resolved, new Rng(3));
  const params = paramValues(model.params);
  const { x, X } = inputs(resolved.model, 5);
  const T = resolved.model.seqLen;
  const layer = 1;
  const scores = model.attentionLogits(layer, x);
  assert.deepEqual(scores.shape, [BATCH, 4, T, T]);
  const values = scores.dataSync() as Float32Array;
  resolved.layers[0]!.groups.forEach((group, g) => {
    for (let h = 0; h < group.heads; h++) {
      const w = headWeights(group.attention, resolved.model, group.heads, h, params, `h.${layer}.attn.g${g}`);
      for (let b = 0; b < BATCH; b++) {
        const [ref] = logits(group.attention, resolved.model, w, X[b]!);
        const err = relativeError(slab(values, b, group.firstHead + h, 4, T), ref!.data);
        assert.ok(err < TOLERANCE, `group ${g} (${group.attention.kind}) head ${h} batch ${b}: relative error ${err.toExponential(2)}`);
      }
    }
  });
  model.dispose();
});
