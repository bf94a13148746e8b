/**
 * The canonical weight layout (the contract the engine adapts to), logit scales (§2.3), and logits(): masks, the mlr
 * projection path, and the errors an adapter sees when it slices a head wrongly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix } from '../../src/core/linalg';
import { logitWeightShapes, logits, randomLogitWeights, randomWeights, scoringMatrix, weightShapes, type HeadWeights } from '../../src/core/materialize';
import { Rng } from '../../src/core/random';
import { resolveSpec, type ResolvedAttention, type ResolvedModel } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';

function resolved(attention: object, model: Partial<StructureSpec['model']> = {}): { attention: ResolvedAttention; model: ResolvedModel } {
  const s = resolveSpec({ name: 'layout', task: { kind: 'language-model', vocabSize: 8 }, model: { width: 16, heads: 2, layers: 1, seqLen: 8, ...model }, attention } as StructureSpec);
  return { attention: s.layers[0]!.groups[0]!.attention, model: s.model };
}

test('weight shapes of every family follow the documented layout (D 16, H 2, r 8, T 8)', () => {
  const shapes = (attention: object) => {
    const r = resolved(attention);
    return weightShapes(r.attention, r.model);
  };
  assert.deepEqual(shapes({ kind: 'dense' }), { wq: [8, 16], wk: [8, 16] });
  assert.deepEqual(shapes({ kind: 'dense', qkDim: 5 }), { wq: [5, 16], wk: [5, 16] });
  assert.deepEqual(shapes({ kind: 'sliding-window', window: 2 }), { wq: [8, 16], wk: [8, 16] });
  assert.deepEqual(shapes({ kind: 'global-local', window: 2, split: [5, 3] }), { wq: [8, 16], wk: [8, 16] });
  assert.deepEqual(shapes({ kind: 'mlr', ranks: [4, 4] }), { q: [8, 8], k: [8, 8] });
  assert.deepEqual(shapes({ kind: 'bilinear-mlr', ranks: [4, 2, 2] }), {
    'wq.0': [1, 16, 4],
    'wk.0': [1, 16, 4],
    'wq.1': [2, 8, 2],
    'wk.1': [2, 8, 2],
    'wq.2': [4, 4, 2],
    'wk.2': [4, 4, 2],
  });
  // factorize(16) = (2, 8): Q (b, a, c·s), K (c, d, b·s)
  assert.deepEqual(shapes({ kind: 'bilinear-btt', rank: 3 }), { wq: [8, 2, 6], wk: [2, 8, 24] });
  assert.deepEqual(shapes({ kind: 'mlbtc', levels: [{ blocks: 2, out: [2, 4], in: [4, 2], rank: 3 }, { blocks: 1, out: [4, 4], in: [2, 8], rank: 1, kronecker: true }] }), {
    'R.0': [2, 2, 4, 4, 3],
    'L.0': [2, 3, 4, 4, 2],
    'A.1': [1, 4, 2],
    'B.1': [1, 4, 8],
  });
  const mlr = resolved({ kind: 'mlr', ranks: [4, 4] });
  assert.deepEqual(logitWeightShapes(mlr.attention, mlr.model), { wq: [8, 16], wk: [8, 16] }, 'logits() takes the projections for mlr');
  const dense = resolved({ kind: 'dense' });
  assert.deepEqual(logitWeightShapes(dense.attention, dense.model), weightShapes(dense.attention, dense.model));
});

test('random weights are seeded, shaped as declared, and scaled like µP initialisation (std 1/√fan_in)', () => {
  const { attention, model } = resolved({ kind: 'bilinear-btt' }, { width: 256, heads: 8 });
  const a = randomWeights(attention, model, new Rng(4));
  const b = randomWeights(attention, model, new Rng(4));
  assert.deepEqual(a, b);
  assert.deepEqual(a.wq!.shape, [32, 8, 8]);
  const std = (t: Float64Array) => Math.sqrt(t.reduce((n, v) => n + v * v, 0) / t.length);
  assert.ok(Math.abs(std(a.wq!.data) - 1 / Math.sqrt(8)) < 0.02, 'W_Q ~ N(0, 1/(c·s))');
  assert.ok(Math.abs(std(a.wk!.data) - 1 / Math.sqrt(32)) < 0.01, 'W_K ~ N(0, 1/d)');
});

test('scales follow §2.3: dense mup 8/d equals standard 1/√d at d = 64; bilinear-btt standard 1/√D vs mup 1/D', () => {
  const rng = new Rng(5);
  const mup = resolved({ kind: 'dense', logitScale: 'mup' }, { width: 128, heads: 2 });
  const std = resolved({ kind: 'dense', logitScale: 'standard' }, { width: 128, heads: 2 });
  const w = randomWeights(mup.attention, mup.model, rng);
  assert.ok(scoringMatrix(mup.attention, mup.model, w).maxAbsDiff(scoringMatrix(std.attention, std.model, w)) < 1e-15);
  const bs = resolved({ kind: 'bilinear-btt', logitScale: 'standard' });
  const bm = resolved({ kind: 'bilinear-btt', logitScale: 'mup' });
  const bw = randomWeights(bs.attention, bs.model, rng);
  assert.ok(scoringMatrix(bs.attention, bs.model, bw).scale(1 / 4).maxAbsDiff(scoringMatrix(bm.attention, bm.model, bw)) < 1e-15, '(1/√16)/4 = 1/16');
  // bilinear-mlr level l: standard 1/√(r_l·2^l), mup 8/(r_l·2^l); "levels" divides by L.
  const ls = resolved({ kind: 'bilinear-mlr', ranks: [8], logitScale: 'standard' });
  const lm = resolved({ kind: 'bilinear-mlr', ranks: [8], logitScale: 'mup', normalize: 'levels' });
  const lw = randomWeights(ls.attention, ls.model, rng);
  assert.ok(scoringMatrix(ls.attention, ls.model, lw).scale(Math.sqrt(8)).maxAbsDiff(scoringMatrix(lm.attention, lm.model, lw)) < 1e-14, '8/8 vs 1/√8');
});

test('logits of bilinear families are X·W·Xᵀ under the causal mask', () => {
  const rng = new Rng(6);
  for (const attention of [{ kind: 'bilinear-btt', rank: 2 }, { kind: 'mlbtc', preset: 'monarch' }, { kind: 'bilinear-mlr', ranks: [4, 4] }, { kind: 'dense' }]) {
    const r = resolved(attention);
    const w = randomWeights(r.attention, r.model, rng);
    const X = Matrix.from(6, 16, () => rng.normal());
    const full = X.matmul(scoringMatrix(r.attention, r.model, w)).matmul(X.transpose());
    const [S] = logits(r.attention, r.model, w, X);
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) {
        if (j > i) assert.equal(S!.get(i, j), -Infinity);
        else assert.ok(Math.abs(S!.get(i, j) - full.get(i, j)) < 1e-12, `${attention.kind} (${i}, ${j})`);
      }
  }
});

test('mlr logits project X with wq, wk and apply the sequence matrix of q = X·wqᵀ, k = X·wkᵀ', () => {
  const rng = new Rng(7);
  const { attention, model } = resolved({ kind: 'mlr', ranks: [6, 2], normalize: 'coverage' });
  const proj = randomLogitWeights(attention, model, rng);
  const X = Matrix.from(8, 16, () => rng.normal());
  const q = X.matmul(new Matrix(8, 16, proj.wq!.data).transpose());
  const k = X.matmul(new Matrix(8, 16, proj.wk!.data).transpose());
  const S = scoringMatrix(attention, model, { q: { shape: [8, 8], data: q.data }, k: { shape: [8, 8], data: k.data } });
  const [L] = logits(attention, model, proj, X);
  for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) assert.equal(L!.get(i, j), j > i ? -Infinity : S.get(i, j));
  assert.throws(() => logits(attention, model, proj, Matrix.zeros(6, 16)), /exactly model.seqLen = 8 tokens, got X with 6 rows/);
});

test('wrong inputs are reported with the weight, the family and both shapes', () => {
  const { attention, model } = resolved({ kind: 'bilinear-btt' });
  const w = randomWeights(attention, model, new Rng(8));
  const bad: HeadWeights = { ...w, wk: { shape: [8, 2, 8], data: w.wk!.data } };
  assert.throws(() => scoringMatrix(attention, model, bad), /bilinear-btt weights: "wk" has shape \[8, 2, 8\], expected \[2, 8, 8\]/);
  assert.throws(() => scoringMatrix(attention, model, { wq: w.wq! }), /bilinear-btt weights: missing "wk" \(shape \[2, 8, 8\]\); got "wq"/);
  assert.throws(() => scoringMatrix(attention, model, { ...w, wq: { shape: w.wq!.shape, data: new Float64Array(3) } }), /"wq" holds 3 values, shape \[8, 2, 2\] needs 32/);
  assert.throws(() => logits(attention, model, w, Matrix.zeros(4, 15)), /X must be T×16 \(T×model.width\), got 4×15/);
});
