/**
 * The structural identities of docs/math.md §6.1 on the dense materialisation: each expected matrix is built here
 * independently (the reference's code-order contraction, explicit block placement, Kronecker products, permutations)
 * and compared with scoringMatrix()/logits().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix, numericalRank } from '../../src/core/linalg';
import { bilinearScale, coverageCounts, levelWeight, logits, randomWeights, scoringMatrix, weightShapes, type HeadWeights, type Tensor } from '../../src/core/materialize';
import { Rng } from '../../src/core/random';
import { factorize, resolveSpec, type ResolvedAttention, type ResolvedModel } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';

/** Attention as a user writes it (defaulted fields omitted); resolveSpec fills the rest. */
type AttentionInput = object;

function resolved(attention: AttentionInput, model: Partial<StructureSpec['model']> = {}): { attention: ResolvedAttention; model: ResolvedModel } {
  const s = resolveSpec({ name: 'identities', task: { kind: 'language-model', vocabSize: 8 }, model: { width: 16, heads: 2, layers: 1, seqLen: 8, ...model }, attention } as StructureSpec);
  return { attention: s.layers[0]!.groups[0]!.attention, model: s.model };
}

const randomMatrix = (rng: Rng, rows: number, cols: number) => Matrix.from(rows, cols, () => rng.normal());
const tensor = (shape: number[], rng: Rng): Tensor => ({ shape, data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()) });

function kron(A: Matrix, B: Matrix): Matrix {
  return Matrix.from(A.rows * B.rows, A.cols * B.cols, (i, j) => A.get(Math.floor(i / B.rows), Math.floor(j / B.cols)) * B.get(i % B.rows, j % B.cols));
}

test('§6.1.1 BTT: the reference code-order contraction (§3.2(f)) equals x_iᵀ·W_h·x_j from the entry formula', () => {
  const D = 16;
  const H = 2;
  const s = 2;
  const [a, b] = factorize(D); // (2, 8)
  const [c, d] = [a, b];
  const B = 2;
  const T = 5;
  const rng = new Rng(3);
  // The reference's full tensors: K (c, d, H·b·s), Q (H·b, a, c·s), and inputs X (B, T, D).
  const K = tensor([c, d, H * b * s], rng);
  const Q = tensor([H * b, a, c * s], rng);
  const X = tensor([B, T, D], rng);
  const BT = B * T;
  const k = (g: number, dl: number, j: number) => K.data[(g * d + dl) * H * b * s + j]!;
  const q = (hb: number, al: number, cs: number) => Q.data[(hb * a + al) * c * s + cs]!;
  const x = (n: number, e: number) => X.data[n * D + e]!; // n = batch·T + t
  // 1–2. X → (c, BT, d); batched over c with K: U (c, BT, H·b·s).
  const U = (g: number, n: number, j: number) => {
    let sum = 0;
    for (let dl = 0; dl < d; dl++) sum += x(n, g * d + dl) * k(g, dl, j);
    return sum;
  };
  // 3. U → (H·b, c·s, BT): U2[hb][γ·s+σ][n] = U[γ][n][hb·s+σ].
  // 4. Batched over H·b with Q: V (H·b, a, BT).
  const V = new Float64Array(H * b * a * BT);
  for (let hb = 0; hb < H * b; hb++)
    for (let al = 0; al < a; al++)
      for (let n = 0; n < BT; n++) {
        let sum = 0;
        for (let g = 0; g < c; g++) for (let sg = 0; sg < s; sg++) sum += q(hb, al, g * s + sg) * U(g, n, hb * s + sg);
        V[(hb * a + al) * BT + n] = sum;
      }
  // 5. V → (H, b, a, B, T) → (B, H, T, a, b) → Z (B, H·T, D), feature α·b + β.
  const Z = (batch: number, h: number, t: number, e: number) => V[((h * b + (e % b)) * a + Math.floor(e / b)) * BT + batch * T + t]!;
  // 7. S = X·Zᵀ → (B, H, T, T); compared per head with X·W_h·Xᵀ (W_h from the entry formula, κ divided out).
  const { attention, model } = resolved({ kind: 'bilinear-btt', rank: s }, { width: D, heads: H, seqLen: T });
  let worst = 0;
  for (let h = 0; h < H; h++) {
    // Head h's slices in the canonical layout: wq = Q[h·b … (h+1)·b − 1], wk = K[:, :, h·b·s … (h+1)·b·s − 1].
    const wq: Tensor = { shape: [b, a, c * s], data: Q.data.slice(h * b * a * c * s, (h + 1) * b * a * c * s) };
    const wk: Tensor = { shape: [c, d, b * s], data: Float64Array.from({ length: c * d * b * s }, (_, i) => K.data[Math.floor(i / (b * s)) * H * b * s + h * b * s + (i % (b * s))]!) };
    const W = scoringMatrix(attention, model, { wq, wk }).scale(1 / bilinearScale('standard', D));
    for (let batch = 0; batch < B; batch++) {
      const Xb = Matrix.from(T, D, (t, e) => x(batch * T + t, e));
      const dense = Xb.matmul(W).matmul(Xb.transpose());
      for (let i = 0; i < T; i++)
        for (let j = 0; j < T; j++) {
          let code = 0;
          for (let e = 0; e < D; e++) code += x(batch * T + i, e) * Z(batch, h, j, e);
          worst = Math.max(worst, Math.abs(code - dense.get(i, j)));
        }
    }
  }
  assert.ok(worst <= 1e-10, `max abs error ${worst}`);
});

test('§6.1.2 BTT at D 256, H 8, s 1: factorize(256) = (8, 32), 81,920 scoring weights, every head full rank', () => {
  assert.deepEqual(factorize(256), [8, 32]);
  const { attention, model } = resolved({ kind: 'bilinear-btt' }, { width: 256, heads: 8 });
  const perHead = Object.values(weightShapes(attention, model)).reduce((n, shape) => n + shape.reduce((p, k) => p * k, 1), 0);
  assert.equal(8 * perHead, 81_920);
  const rng = new Rng(5);
  for (let h = 0; h < 8; h++) assert.equal(numericalRank(scoringMatrix(attention, model, randomWeights(attention, model, rng))), 256, `head ${h}`);
});

test('§6.1.3 bilinear MLR: W_h = Σ_l κ_l·BlockDiag_k(Q_{l,k}·K_{l,k}ᵀ), and Q + K weights equal MHA (2·D·H·d_head)', () => {
  const D = 32;
  const H = 4;
  const ranks = [4, 2, 1, 1];
  const { attention, model } = resolved({ kind: 'bilinear-mlr', ranks }, { width: D, heads: H });
  const w = randomWeights(attention, model, new Rng(8));
  const expected = Matrix.zeros(D, D);
  ranks.forEach((r, l) => {
    const p = 2 ** l;
    const m = D / p;
    const kappa = 1 / Math.sqrt(r * p);
    for (let k = 0; k < p; k++) {
      const slice = (name: string) => new Matrix(m, r, w[levelWeight(name, l)]!.data.slice(k * m * r, (k + 1) * m * r));
      const block = slice('wq').matmul(slice('wk').transpose()).scale(kappa);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) expected.data[(k * m + i) * D + k * m + j]! += block.get(i, j);
    }
  });
  assert.ok(scoringMatrix(attention, model, w).maxAbsDiff(expected) < 1e-12);
  const weights = Object.values(weightShapes(attention, model)).reduce((n, shape) => n + shape.reduce((p, k) => p * k, 1), 0);
  assert.equal(H * weights, 2 * D * H * (D / H));
});

test('§6.1.4 MLR attention: S = Σ_l BlockDiag_{T_l}(q_l·k_lᵀ)/r_l, zero outside every level block', () => {
  const T = 16;
  const ranks = [3, 1];
  const blockSizes = [8, 4]; // no global level: pairs in different halves are covered by none
  const { attention, model } = resolved({ kind: 'mlr', ranks, blockSizes }, { width: 8, heads: 2, seqLen: T });
  const w = randomWeights(attention, model, new Rng(9));
  const S = scoringMatrix(attention, model, w);
  const q = new Matrix(T, 4, w.q!.data);
  const k = new Matrix(T, 4, w.k!.data);
  for (let i = 0; i < T; i++)
    for (let j = 0; j < T; j++) {
      let expected = 0;
      let first = 0;
      ranks.forEach((r, l) => {
        if (Math.floor(i / blockSizes[l]!) === Math.floor(j / blockSizes[l]!)) {
          for (let rho = first; rho < first + r; rho++) expected += (q.get(i, rho) * k.get(j, rho)) / r;
        }
        first += r;
      });
      if (Math.floor(i / 8) !== Math.floor(j / 8)) assert.equal(S.get(i, j), 0, `(${i}, ${j}) lies outside every block`);
      assert.ok(Math.abs(S.get(i, j) - expected) < 1e-12);
    }
});

test('§6.1.5 degenerate cases: one-level MLR = MHA with scale 1/d_head; one-level bilinear MLR = MHA with 1/√r', () => {
  const D = 16;
  const r = 8;
  const T = 8;
  const rng = new Rng(10);
  const X = randomMatrix(rng, T, D);
  const mlr = resolved({ kind: 'mlr', ranks: [r] }, { width: D, heads: 2, seqLen: T });
  const dense = resolved({ kind: 'dense', logitScale: 'mup' }, { width: D, heads: 2, seqLen: T });
  const projections: HeadWeights = { wq: tensor([r, D], rng), wk: tensor([r, D], rng) };
  const [mlrLogits] = logits(mlr.attention, mlr.model, projections, X);
  const [mhaLogits] = logits(dense.attention, dense.model, projections, X);
  // MHA's "mup" scale is 8/d_head; MLR's is 1/d_head.
  assert.ok(mlrLogits!.maxAbsDiff(mhaLogits!.scale(1 / 8)) < 1e-12);

  const bmlr = resolved({ kind: 'bilinear-mlr', ranks: [r] }, { width: D, heads: 2, seqLen: T });
  const standard = resolved({ kind: 'dense', logitScale: 'standard' }, { width: D, heads: 2, seqLen: T });
  // One level has one block: wq.0[0, e, ρ] = wq[ρ, e].
  const transpose = (t: Tensor): Tensor => ({ shape: [1, D, r], data: new Matrix(r, D, t.data).transpose().data });
  const [bmlrLogits] = logits(bmlr.attention, bmlr.model, { 'wq.0': transpose(projections.wq!), 'wk.0': transpose(projections.wk!) }, X);
  const [stdLogits] = logits(standard.attention, standard.model, projections, X);
  assert.ok(bmlrLogits!.maxAbsDiff(stdLogits!) < 1e-12);
});

test('§6.1.6 permutations: bilinear MLR is unchanged by reordering a level\'s rank features; permuting tokens\' features within the finest blocks is a similarity transform', () => {
  const D = 16;
  const ranks = [4, 2, 2];
  const { attention, model } = resolved({ kind: 'bilinear-mlr', ranks }, { width: D, heads: 2 });
  const rng = new Rng(12);
  const w = randomWeights(attention, model, rng);
  const W = scoringMatrix(attention, model, w);

  // (a) The same permutation of ρ for Q and K of one level (the features q·k sums over): W unchanged.
  const sigma = [2, 0, 3, 1];
  const permuteRank = (t: Tensor, r: number, perm: number[]): Tensor => ({ shape: t.shape, data: t.data.map((_, i) => t.data[i - (i % r) + perm[i % r]!]!) });
  const wRank = { ...w, 'wq.0': permuteRank(w['wq.0']!, 4, sigma), 'wk.0': permuteRank(w['wk.0']!, 4, sigma) };
  assert.ok(scoringMatrix(attention, model, wRank).maxAbsDiff(W) < 1e-12);

  // (b) P permutes features inside each finest block (width 4), so every level's blocks map to themselves. Moving the
  // weights' rows with it gives W' = P·W·Pᵀ, and logits of P-permuted tokens are unchanged.
  const perm = Array.from({ length: D }, (_, e) => e - (e % 4) + [3, 1, 0, 2][e % 4]!);
  const P = Matrix.from(D, D, (i, j) => (perm[i] === j ? 1 : 0));
  const moved: HeadWeights = {};
  ranks.forEach((r, l) => {
    for (const base of ['wq', 'wk']) {
      const t = w[levelWeight(base, l)]!;
      // Row e of the level's (D, r) stack becomes row perm[e]: Q' = P·Q.
      const stacked = new Matrix(D, r, t.data);
      moved[levelWeight(base, l)] = { shape: t.shape, data: P.matmul(stacked).data };
    }
  });
  const Wmoved = scoringMatrix(attention, model, moved);
  assert.ok(Wmoved.maxAbsDiff(P.matmul(W).matmul(P.transpose())) < 1e-12);
  const X = randomMatrix(rng, 6, D);
  const [before] = logits(attention, model, w, X);
  const [after] = logits(attention, model, moved, X.matmul(P.transpose()));
  assert.ok(after!.maxAbsDiff(before!) < 1e-12);
});

test('§6.1.7 coverage counts for T 8, blocks 8|4|2', () => {
  assert.deepEqual(coverageCounts([8, 4, 2], 8).toRows(), [
    [3, 3, 2, 2, 1, 1, 1, 1],
    [3, 3, 2, 2, 1, 1, 1, 1],
    [2, 2, 3, 3, 1, 1, 1, 1],
    [2, 2, 3, 3, 1, 1, 1, 1],
    [1, 1, 1, 1, 3, 3, 2, 2],
    [1, 1, 1, 1, 3, 3, 2, 2],
    [1, 1, 1, 1, 2, 2, 3, 3],
    [1, 1, 1, 1, 2, 2, 3, 3],
  ]);
  // And "coverage" divides each logit by it.
  const { attention, model } = resolved({ kind: 'mlr', ranks: [4, 2, 2], normalize: 'coverage' }, { width: 16, heads: 2, seqLen: 8 });
  const none = resolved({ kind: 'mlr', ranks: [4, 2, 2], normalize: 'none' }, { width: 16, heads: 2, seqLen: 8 });
  const w = randomWeights(attention, model, new Rng(13));
  const counts = coverageCounts([8, 4, 2], 8);
  const divided = Matrix.from(8, 8, (i, j) => scoringMatrix(none.attention, none.model, w).get(i, j) / counts.get(i, j));
  assert.ok(scoringMatrix(attention, model, w).maxAbsDiff(divided) < 1e-12);
});

test('§6.1.8 masks: a sliding-window row i keeps min(i, w) + 1 logits; global-local keeps all causal global logits', () => {
  const T = 10;
  const w = 3;
  const rng = new Rng(14);
  const X = randomMatrix(rng, T, 16);
  const sw = resolved({ kind: 'sliding-window', window: w }, { seqLen: T });
  const [S] = logits(sw.attention, sw.model, randomWeights(sw.attention, sw.model, rng), X);
  const gl = resolved({ kind: 'global-local', window: w, split: [5, 3] }, { seqLen: T });
  const parts = logits(gl.attention, gl.model, randomWeights(gl.attention, gl.model, rng), X);
  assert.equal(parts.length, 2);
  for (let i = 0; i < T; i++) {
    const finite = (M: Matrix) => M.toRows()[i]!.filter(Number.isFinite).length;
    assert.equal(finite(S!), Math.min(i, w) + 1);
    assert.equal(finite(parts[0]!), i + 1, 'global part: causal only');
    assert.equal(finite(parts[1]!), Math.min(i, w) + 1, 'local part: windowed');
    // The window keeps the most recent keys, self included.
    for (let j = 0; j < T; j++) assert.equal(Number.isFinite(S!.get(i, j)), j <= i && i - j <= w);
  }
});

test('mlbtc presets equal their named structures', () => {
  const D = 16;
  const rng = new Rng(15);
  const kappa = 1 / Math.sqrt(D);
  // low-rank: R[0,α,0,0,σ] = U[α,σ], L[0,σ,0,0,δ] = V[δ,σ]: W = κ·U·Vᵀ, rank r.
  const low = resolved({ kind: 'mlbtc', preset: 'low-rank', rank: 3 }, { width: D });
  const lw = randomWeights(low.attention, low.model, rng);
  const U = new Matrix(D, 3, lw['R.0']!.data);
  const Vt = new Matrix(3, D, lw['L.0']!.data);
  const Wlow = scoringMatrix(low.attention, low.model, lw);
  assert.ok(Wlow.maxAbsDiff(U.matmul(Vt).scale(kappa)) < 1e-12);
  assert.equal(numericalRank(Wlow), 3);

  // btt: the same cores as bilinear-btt give the same W_h (R[0,α,β,γ,σ] = wq[β,α,γ·s+σ], L[0,σ,β,γ,δ] = wk[γ,δ,β·s+σ]).
  const s = 2;
  const btt = resolved({ kind: 'bilinear-btt', rank: s }, { width: D });
  const preset = resolved({ kind: 'mlbtc', preset: 'btt', rank: s }, { width: D });
  const [a, b] = factorize(D);
  const bw = randomWeights(btt.attention, btt.model, rng);
  const R = new Float64Array(a * b * a * s);
  const L = new Float64Array(s * b * a * b);
  for (let al = 0; al < a; al++)
    for (let be = 0; be < b; be++)
      for (let ga = 0; ga < a; ga++)
        for (let sg = 0; sg < s; sg++) R[((al * b + be) * a + ga) * s + sg] = bw.wq!.data[(be * a + al) * a * s + ga * s + sg]!;
  for (let sg = 0; sg < s; sg++)
    for (let be = 0; be < b; be++)
      for (let ga = 0; ga < a; ga++)
        for (let de = 0; de < b; de++) L[((sg * b + be) * a + ga) * b + de] = bw.wk!.data[(ga * b + de) * b * s + be * s + sg]!;
  const fromPreset = scoringMatrix(preset.attention, preset.model, { 'R.0': { shape: [1, a, b, a, s], data: R }, 'L.0': { shape: [1, s, b, a, b], data: L } });
  assert.ok(fromPreset.maxAbsDiff(scoringMatrix(btt.attention, btt.model, bw)) < 1e-12);

  // kronecker: W = κ·(A ⊗ B).
  const kr = resolved({ kind: 'mlbtc', preset: 'kronecker' }, { width: D });
  const kw = randomWeights(kr.attention, kr.model, rng);
  const A = new Matrix(a, a, kw['A.0']!.data);
  const B = new Matrix(b, b, kw['B.0']!.data);
  assert.ok(scoringMatrix(kr.attention, kr.model, kw).maxAbsDiff(kron(A, B).scale(kappa)) < 1e-12);

  // dense: generic and full rank; monarch = btt with s = 1.
  const dn = resolved({ kind: 'mlbtc', preset: 'dense' }, { width: D });
  assert.equal(numericalRank(scoringMatrix(dn.attention, dn.model, randomWeights(dn.attention, dn.model, rng))), D);
  const levelsOf = (a: ResolvedAttention) => (a.kind === 'mlbtc' ? a.levels : undefined);
  assert.deepEqual(levelsOf(resolved({ kind: 'mlbtc', preset: 'monarch' }, { width: D }).attention), levelsOf(resolved({ kind: 'mlbtc', preset: 'btt', rank: 1 }, { width: D }).attention));
});

test('mlbtc levels are block-diagonal sums: a 2-level custom example equals its blocks placed by hand', () => {
  const D = 16;
  const { attention, model } = resolved({ kind: 'mlbtc', logitScale: 'mup', levels: [{ blocks: 1, out: [4, 4], in: [2, 8], rank: 1 }, { blocks: 2, out: [2, 4], in: [4, 2], rank: 1, kronecker: true }] }, { width: D });
  const w = randomWeights(attention, model, new Rng(16));
  const expected = Matrix.zeros(D, D);
  // Level 0: one 16×16 BTT block, entries Σ_σ R[α,β,γ,σ]·L[σ,β,γ,δ] at (α·4+β, γ·8+δ).
  for (let al = 0; al < 4; al++)
    for (let be = 0; be < 4; be++)
      for (let ga = 0; ga < 2; ga++)
        for (let de = 0; de < 8; de++) expected.set(al * 4 + be, ga * 8 + de, w['R.0']!.data[(al * 4 + be) * 2 + ga]! * w['L.0']!.data[(be * 2 + ga) * 8 + de]!);
  // Level 1: two 8×8 Kronecker blocks A[k] (2×4) ⊗ B[k] (4×2).
  for (let k = 0; k < 2; k++) {
    const A = new Matrix(2, 4, w['A.1']!.data.slice(k * 8, (k + 1) * 8));
    const B = new Matrix(4, 2, w['B.1']!.data.slice(k * 8, (k + 1) * 8));
    const block = kron(A, B);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) expected.data[(k * 8 + i) * D + k * 8 + j]! += block.get(i, j);
  }
  assert.ok(scoringMatrix(attention, model, w).maxAbsDiff(expected.scale(1 / D)) < 1e-12, 'mup scale is 1/D');
});
