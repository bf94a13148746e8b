/**
 * The analysis' generic scoring rank against the numerical rank of random instances (seeded), for every family at
 * small sizes. Each check also asserts the gap in the pivoted-QR diagonal around the rank, so a pass cannot come from
 * a tolerance that happens to fall in the middle of a smooth spectrum.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/core/analysis';
import { pivotedQrDiagonal } from '../../src/core/linalg';
import { randomWeights, scoringMatrix } from '../../src/core/materialize';
import { Rng } from '../../src/core/random';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';

/** Attention as a user writes it (defaulted fields omitted); resolveSpec fills the rest. */
type AttentionInput = object;

function spec(attention: AttentionInput, model: Partial<StructureSpec['model']>): ResolvedSpec {
  return resolveSpec({ name: 'rank', task: { kind: 'language-model', vocabSize: 8 }, model: { width: 16, heads: 2, layers: 1, seqLen: 16, ...model }, attention } as StructureSpec);
}

/** Numerical rank of one random instance, with the size of the gap it sits in. */
function measuredRank(s: ResolvedSpec, seed: number): { rank: number; lastKept: number; firstDropped: number } {
  const attention = s.layers[0]!.groups[0]!.attention;
  const W = scoringMatrix(attention, s.model, randomWeights(attention, s.model, new Rng(seed)));
  const diag = pivotedQrDiagonal(W);
  const rel = diag.map((v) => v / diag[0]!);
  const rank = rel.filter((v) => v > 1e-10).length;
  return { rank, lastKept: rel[rank - 1] ?? 0, firstDropped: rel[rank] ?? 0 };
}

function assertGenericRank(attention: AttentionInput, model: Partial<StructureSpec['model']>, seeds = [1, 2]): number {
  const s = spec(attention, model);
  const predicted = analyze(s).layers[0]!.groups[0]!.rank;
  for (const seed of seeds) {
    const m = measuredRank(s, seed);
    const label = `${JSON.stringify(attention)} ${JSON.stringify(model)} seed ${seed}`;
    assert.equal(m.rank, predicted.scoring, `${label}: numerical rank ${m.rank}, analysis ${predicted.scoring}`);
    assert.ok(m.lastKept > 1e-7, `${label}: smallest kept pivot ${m.lastKept} is well above the tolerance`);
    assert.ok(m.firstDropped < 1e-12, `${label}: first dropped pivot ${m.firstDropped} is round-off`);
  }
  return predicted.scoring;
}

test('dense, sliding-window and global-local: rank min(qkDim, D) of the features-space core', () => {
  assert.equal(assertGenericRank({ kind: 'dense' }, { width: 16, heads: 4 }), 4);
  assert.equal(assertGenericRank({ kind: 'dense', qkDim: 24 }, { width: 16, heads: 4 }), 16, 'qkDim above D caps at D');
  assert.equal(assertGenericRank({ kind: 'dense', logitScale: 'standard', qkDim: 7 }, { width: 16, heads: 4 }), 7);
  assert.equal(assertGenericRank({ kind: 'sliding-window', window: 3 }, { width: 16, heads: 2 }), 8);
  assert.equal(assertGenericRank({ kind: 'global-local', window: 2, split: [10, 6] }, { width: 32, heads: 2 }), 16);
});

test('mlr (sequence space), dyadic and custom blocks, normalize none and levels: min(T, Σ (T/T_l)·min(r_l, T_l))', () => {
  assert.equal(assertGenericRank({ kind: 'mlr', ranks: [4, 2, 1, 1] }, { width: 32, heads: 4, seqLen: 16 }), 16, '4 + 4 + 4 + 8 = 20 capped at T');
  assert.equal(assertGenericRank({ kind: 'mlr', ranks: [4, 2, 1, 1] }, { width: 32, heads: 4, seqLen: 64 }), 4 + 2 * 2 + 4 + 8);
  assert.equal(assertGenericRank({ kind: 'mlr', ranks: [4, 2, 1, 1], normalize: 'levels' }, { width: 32, heads: 4, seqLen: 32 }), 4 + 4 + 4 + 8);
  assert.equal(assertGenericRank({ kind: 'mlr', ranks: [4, 3, 1], blockSizes: [4, 8, 16] }, { width: 64, heads: 8, seqLen: 16 }), 16);
  assert.equal(assertGenericRank({ kind: 'mlr', ranks: [1, 1, 6], blockSizes: [4, 8, 16] }, { width: 64, heads: 8, seqLen: 16 }), 4 + 2 + 6);
  // Non-nested blocks (4 and 6 at T 12), and a block smaller than its rank (T_l 2 < r_l 3: each block holds only 2,
  // so that level alone fills T).
  assert.equal(assertGenericRank({ kind: 'mlr', ranks: [1, 1, 2], blockSizes: [12, 4, 6] }, { width: 32, heads: 8, seqLen: 12 }), 1 + 3 + 4);
  assert.equal(assertGenericRank({ kind: 'mlr', ranks: [1, 3], blockSizes: [12, 2] }, { width: 32, heads: 8, seqLen: 12 }), 12);
});

test('mlr with coverage: Σ over atoms of min(|atom|, headDim), checked on nested and non-nested schedules', () => {
  assert.equal(assertGenericRank({ kind: 'mlr', ranks: [1, 1], normalize: 'coverage' }, { width: 16, heads: 8, seqLen: 8 }), 4);
  assert.equal(assertGenericRank({ kind: 'mlr', ranks: [2, 1, 1], normalize: 'coverage' }, { width: 32, heads: 8, seqLen: 16 }), 16);
  assert.equal(assertGenericRank({ kind: 'mlr', ranks: [1, 1, 1, 1], normalize: 'coverage' }, { width: 32, heads: 8, seqLen: 32 }), 8 * 4);
  assert.equal(assertGenericRank({ kind: 'mlr', ranks: [1, 1, 2], blockSizes: [12, 4, 6], normalize: 'coverage' }, { width: 32, heads: 8, seqLen: 12 }), 4 + 2 + 2 + 4);
  // A random sweep of valid schedules (a global level first, then random divisors in random order).
  const rng = new Rng(7);
  for (let trial = 0; trial < 12; trial++) {
    const T = [8, 12, 16, 24][rng.int(4)]!;
    const divisors = Array.from({ length: T }, (_, i) => i + 1).filter((k) => T % k === 0);
    const blockSizes = [T, ...Array.from({ length: 1 + rng.int(2) }, () => divisors[rng.int(divisors.length)]!)];
    const ranks = blockSizes.map((b) => 1 + rng.int(Math.min(b, 3)));
    const headDim = ranks.reduce((n, r) => n + r, 0);
    assertGenericRank({ kind: 'mlr', ranks, blockSizes, normalize: 'coverage' }, { width: headDim, heads: 1, seqLen: T }, [trial + 10]);
  }
});

test('bilinear-mlr: min(D, Σ_l min(r_l, D/2^l)·2^l)', () => {
  assert.equal(assertGenericRank({ kind: 'bilinear-mlr', ranks: [4, 2, 1, 1] }, { width: 32, heads: 4 }), 4 + 4 + 4 + 8);
  assert.equal(assertGenericRank({ kind: 'bilinear-mlr', ranks: [2, 2, 2, 2] }, { width: 16, heads: 2 }), 16, 'sum 30 capped at D');
  assert.equal(assertGenericRank({ kind: 'bilinear-mlr', ranks: [1, 1, 1, 5], logitScale: 'mup', normalize: 'levels' }, { width: 64, heads: 8 }), 1 + 2 + 4 + 40);
  assert.equal(assertGenericRank({ kind: 'bilinear-mlr', ranks: [1, 7] }, { width: 16, heads: 2 }), 1 + 2 * 7);
});

test('bilinear-btt, including s = 2 and non-default factors: full rank D in the reference setting', () => {
  assert.equal(assertGenericRank({ kind: 'bilinear-btt' }, { width: 16, heads: 2 }), 16);
  assert.equal(assertGenericRank({ kind: 'bilinear-btt', rank: 2 }, { width: 16, heads: 2 }), 16);
  assert.equal(assertGenericRank({ kind: 'bilinear-btt', factors: [4, 4], logitScale: 'mup' }, { width: 16, heads: 2 }), 16);
  assert.equal(assertGenericRank({ kind: 'bilinear-btt', rank: 2 }, { width: 32, heads: 4 }), 32);
});

test('mlbtc presets and custom levels: min(D, Σ p_l·min(m_l, b_l·c_l·s_l)), Kronecker min(a,c)·min(b,d)', () => {
  const m = { width: 16, heads: 2 };
  assert.equal(assertGenericRank({ kind: 'mlbtc', preset: 'low-rank', rank: 3 }, m), 3);
  assert.equal(assertGenericRank({ kind: 'mlbtc', preset: 'dense' }, m), 16);
  assert.equal(assertGenericRank({ kind: 'mlbtc', preset: 'btt', rank: 2 }, m), 16);
  assert.equal(assertGenericRank({ kind: 'mlbtc', preset: 'monarch' }, m), 16);
  assert.equal(assertGenericRank({ kind: 'mlbtc', preset: 'kronecker' }, m), 16);
  // Two levels: a BTT block [4,4]←[2,8] (rank b·min(a, c·s) = 4·2 = 8) plus two low-rank-2 blocks of 8 (4).
  assert.equal(
    assertGenericRank({ kind: 'mlbtc', levels: [{ blocks: 1, out: [4, 4], in: [2, 8], rank: 1 }, { blocks: 2, out: [8, 1], in: [1, 8], rank: 2 }] }, m),
    8 + 4,
  );
  // A rank-deficient Kronecker level alone, and with p = 2 blocks.
  assert.equal(assertGenericRank({ kind: 'mlbtc', levels: [{ blocks: 1, out: [2, 6], in: [3, 4], rank: 1, kronecker: true }] }, { width: 12, heads: 1 }), 8);
  assert.equal(assertGenericRank({ kind: 'mlbtc', levels: [{ blocks: 2, out: [2, 4], in: [4, 2], rank: 1, kronecker: true }] }, { width: 16, heads: 1 }), 2 * 2 * 2);
});

test('mlbtc: a random sweep of untied multi-level structures attains the sum bound exactly', () => {
  const rng = new Rng(11);
  const divisors = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((k) => n % k === 0);
  const pick = <T>(xs: T[]) => xs[rng.int(xs.length)]!;
  for (let trial = 0; trial < 25; trial++) {
    const D = pick([8, 12, 16, 24]);
    const levels = Array.from({ length: 1 + rng.int(3) }, () => {
      const blocks = pick(divisors(D));
      const m = D / blocks;
      const a = pick(divisors(m));
      const c = pick(divisors(m));
      return { blocks, out: [a, m / a] as [number, number], in: [c, m / c] as [number, number], rank: 1 + rng.int(2) };
    });
    assertGenericRank({ kind: 'mlbtc', levels }, { width: D, heads: 1 }, [trial + 100]);
  }
});

test('mlbtc: rank-deficient Kronecker levels in a sum are reported as an upper bound, and random instances stay below it', () => {
  const s = spec(
    { kind: 'mlbtc', levels: [{ blocks: 1, out: [2, 6], in: [3, 4], rank: 1, kronecker: true }, { blocks: 1, out: [2, 6], in: [1, 12], rank: 1, kronecker: true }] },
    { width: 12, heads: 1 },
  );
  const rank = analyze(s).rank;
  assert.equal(rank.upperBound, true);
  // Images R²⊗U (U ⊂ R⁶, dim 4) and V⊗R⁶ (V ⊂ R², dim 1) meet in V⊗U (dim 4): 8 + 6 − 4 = 10 < 12.
  for (const seed of [1, 2, 3]) assert.equal(measuredRank(s, seed).rank, 10);
  assert.ok(10 <= rank.scoring);
});
