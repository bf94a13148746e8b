/**
 * analyze(): exact parameter, MAC, cache and activation counts. Expected values are the numbers the brief and the
 * docs/math.md state (4,804,480; 213,248; 40,321,024; 786,432 …) or arithmetic written out here from §2–§3, never
 * values read back from the code under test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, type Analysis } from '../../src/core/analysis';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';

/** Attention as a user writes it (defaulted fields omitted); resolveSpec fills the rest. */
type AttentionInput = object;

function spec(
  attention: AttentionInput,
  model: Partial<StructureSpec['model']> = {},
  task: object = { kind: 'language-model', vocabSize: 96 },
): ResolvedSpec {
  return resolveSpec({ name: 'counts', task, model: { width: 256, heads: 8, layers: 6, seqLen: 256, ...model }, attention } as StructureSpec);
}

function assertConsistent(a: Analysis): void {
  const components = Object.values(a.layers[0]!.components).reduce((n, v) => n + v, 0);
  assert.equal(components, a.layers[0]!.params, 'per-layer components sum to perLayer');
  const outside = Object.values(a.params.outside).reduce((n, v) => n + v, 0);
  assert.equal(a.params.total - outside, 6 * a.layers[0]!.params, 'total = layers·perLayer + outside');
  assert.equal(a.kvCacheBytesPerToken, a.layers[0]!.groups.reduce((n, g) => n + g.kvCacheBytesPerToken, 0));
}

test('ICL reference model (dense, inputDim 64, T 256, D 256, 8 heads, 6 layers) has 4,804,480 parameters', () => {
  const a = analyze(spec({ kind: 'dense', logitScale: 'standard' }, {}, { kind: 'icl-regression', inputDim: 64 }));
  const D = 256;
  const r = 32;
  const perLayer =
    2 * D * 8 * r + // W_Q, W_K (§3.1(d))
    2 * r + // LN_q, LN_k gains, shared across heads (§2.2)
    2 * D * D + // W_V, W_O
    2 * 4 * D * D + // MLP D → 4D → D
    2 * D; // ln_1, ln_2
  const outside = 64 * D + 256 * D + D + D; // read-in, positions, ln_f, read-out
  assert.equal(6 * perLayer + outside, 4_804_480, 'the hand count reproduces the reference figure');
  assert.equal(a.params.total, 4_804_480);
  assert.deepEqual(a.params.outside, { readIn: 64 * D, positions: 256 * D, finalNorm: D, readOut: D });
  assert.deepEqual(a.layers[0]!.components, { 'attention.scoring': 2 * D * 8 * r + 2 * r, 'attention.value': D * D, 'attention.output': D * D, mlp: 8 * D * D, norms: 2 * D });
  assertConsistent(a);
});

test('a bilinear-BTT attention layer at width 256, 8 heads: 213,248 parameters (scoring 81,920 + LN 256 + V, O), rank 256', () => {
  const a = analyze(spec({ kind: 'bilinear-btt' }));
  const [fa, fb] = [8, 32]; // factorize(256)
  const scoring = 8 * 1 * 256 * (fa + fb); // H·s·D·(a+b)
  assert.equal(scoring, 81_920);
  assert.equal(a.layers[0]!.components['attention.scoring'], 81_920 + 256);
  const layer = a.layers[0]!.components['attention.scoring']! + a.layers[0]!.components['attention.value']! + a.layers[0]!.components['attention.output']!;
  assert.equal(layer, 213_248);
  assert.deepEqual(a.rank, { scoring: 256, max: 256, space: 'features' });
  // Per token the key-side BTT costs what it weighs (§3.2(e)); scores cost H·D per pair.
  assert.equal(a.layers[0]!.groups[0]!.macs.projectionsPerToken, 81_920);
  assert.equal(a.macs.scoresPerHead, 256 * 256 * 256);
  assertConsistent(a);
});

test('bilinear-BTT with rank 2 doubles the cores, and the general (c·d·b + b·a·c)·s·H count agrees', () => {
  const a = analyze(spec({ kind: 'bilinear-btt', rank: 2, factors: [16, 16] }));
  // a = c = 16, b = d = 16, s = 2: per head s·(c·d·b + b·a·c)
  assert.equal(a.layers[0]!.groups[0]!.scoringParams, 8 * 2 * (16 * 16 * 16 + 16 * 16 * 16) + 256);
});

test('bilinear-MLR: generic ranks 120 / 160 / 80 at D 256 and 404 at D 512; projections cost what MHA costs', () => {
  const rank = (ranks: number[], width = 256) => analyze(spec({ kind: 'bilinear-mlr', ranks }, { width })).rank.scoring;
  assert.equal(rank([8, 8, 8, 8]), 8 + 16 + 32 + 64);
  assert.equal(rank([8, 8, 8, 8]), 120);
  assert.equal(rank([8, 4, 4, 16]), 160);
  assert.equal(rank([16, 8, 4, 4]), 80);
  assert.equal(rank([20, 16, 8, 8, 8, 4], 512), 404);
  const a = analyze(spec({ kind: 'bilinear-mlr', ranks: [8, 8, 8, 8] }));
  // Q + K = 2·D·H·d_head = 131,072 (= MHA, §6.1.3); LN 2·Σ r_l·2^l.
  assert.equal(a.layers[0]!.groups[0]!.scoringParams, 131_072 + 2 * 120);
  assert.equal(a.layers[0]!.groups[0]!.macs.projectionsPerToken, 131_072);
  assert.equal(a.macs.scoresPerHead, 256 * 256 * 120);
  // A level whose rank exceeds its block width is capped: D 16, H 1, ranks [1, 15] → 1 + 2·min(15, 8).
  assert.equal(analyze(spec({ kind: 'bilinear-mlr', ranks: [1, 15] }, { width: 16, heads: 1 })).rank.scoring, 16);
  assert.equal(analyze(spec({ kind: 'bilinear-mlr', ranks: [1, 3] }, { width: 16, heads: 1 })).rank.scoring, 1 + 2 * 3);
});

test('MLR 32|8|6|4|4|4|4|2 at T 1024 (dyadic): rank 808 and 40,321,024 score MACs per head', () => {
  const ranks = [32, 8, 6, 4, 4, 4, 4, 2];
  const a = analyze(spec({ kind: 'mlr', ranks }, { width: 512, heads: 8, seqLen: 1024 }));
  // Σ_l 2^l·r_l, every r_l ≤ T_l
  assert.equal(ranks.reduce((n, r, l) => n + 2 ** l * r, 0), 808);
  assert.deepEqual(a.rank, { scoring: 808, max: 1024, space: 'sequence' });
  // T·Σ_l T_l·r_l
  assert.equal(1024 * ranks.reduce((n, r, l) => n + (1024 / 2 ** l) * r, 0), 40_321_024);
  assert.equal(a.macs.scoresPerHead, 40_321_024);
  assert.equal(a.macs.avPerHead, 1024 * 1024 * 64);
  // MLR adds no parameters: scoring = W_Q, W_K (D×D) + LN over d_head.
  assert.equal(a.layers[0]!.groups[0]!.scoringParams, 2 * 512 * 512 + 2 * 64);
});

test('MLR ranks at small T: "16|16" at T 128 → 48; "4|3|1" with blocks 4|8|16 at T 16 → 16', () => {
  assert.equal(analyze(spec({ kind: 'mlr', ranks: [16, 16] }, { seqLen: 128 })).rank.scoring, 16 + 2 * 16);
  assert.equal(analyze(spec({ kind: 'mlr', ranks: [16, 16] }, { seqLen: 128 })).rank.scoring, 48);
  // 4 blocks of rank 4, 2 of rank 3, 1 of rank 1 = 23, capped at T = 16.
  assert.equal(analyze(spec({ kind: 'mlr', ranks: [4, 3, 1], blockSizes: [4, 8, 16] }, { width: 64, heads: 8, seqLen: 16 })).rank.scoring, 16);
});

test('MLR with coverage normalisation: rank counts atoms, so the final LM runs are full rank (1024, not 808)', () => {
  const ranks = [32, 8, 6, 4, 4, 4, 4, 2];
  const a = analyze(spec({ kind: 'mlr', ranks, normalize: 'coverage' }, { width: 512, heads: 8, seqLen: 1024 }));
  // Finest blocks of 8 tokens: 128 atoms of 8, each holding min(8, 64) = 8.
  assert.equal(a.rank.scoring, 1024);
  // Two levels "1|1", T 8, blocks 8|4: two atoms of 4 holding min(4, 2) each → 4 (none: 1 + 2 = 3).
  assert.equal(analyze(spec({ kind: 'mlr', ranks: [1, 1], normalize: 'coverage' }, { width: 16, heads: 8, seqLen: 8 })).rank.scoring, 4);
  assert.equal(analyze(spec({ kind: 'mlr', ranks: [1, 1], normalize: 'levels' }, { width: 16, heads: 8, seqLen: 8 })).rank.scoring, 3);
});

test('sliding window: T 1024, w 512 counts 786,432 pairs (symmetric reference accounting), A·V dense', () => {
  const a = analyze(spec({ kind: 'sliding-window', window: 512 }, { width: 512, heads: 8, seqLen: 1024 }));
  assert.equal(a.macs.scoresPerHead, 786_432 * 64);
  assert.equal(a.macs.avPerHead, 1024 * 1024 * 64);
  // Exact causal window would be 393,984 pairs; a window ≥ T − 1 reaches every pair.
  assert.equal(analyze(spec({ kind: 'sliding-window', window: 2000 }, { seqLen: 64 })).macs.scoresPerHead, 64 * 64 * 32);
  assert.deepEqual(a.rank, { scoring: 64, max: 512, space: 'features' });
});

test('global-local: T²·a global plus window pairs·b local; rank a + b; rows use both parts', () => {
  const a = analyze(spec({ kind: 'global-local', window: 512, split: [32, 32] }, { width: 512, heads: 8, seqLen: 1024 }));
  assert.equal(a.macs.scoresPerHead, 1024 * 1024 * 32 + 786_432 * 32);
  assert.equal(a.rank.scoring, 64);
  assert.equal(a.layers[0]!.groups[0]!.scoringParams, 2 * 512 * 8 * 64 + 2 * 64);
});

test('dense with qkDim ≠ headDim: projections 2·D·H·qkDim, scores T²·qkDim, keys H·qkDim cached', () => {
  const a = analyze(spec({ kind: 'dense', qkDim: 8 }, { width: 64, heads: 4, seqLen: 32, layers: 2 }));
  assert.equal(a.layers[0]!.groups[0]!.scoringParams, 2 * 64 * 4 * 8 + 2 * 8);
  assert.equal(a.macs.scoresPerHead, 32 * 32 * 8);
  assert.equal(a.rank.scoring, 8);
  // (keys H·qkDim + values D) floats × 4 bytes × 2 layers
  assert.equal(a.kvCacheBytesPerToken, (4 * 8 + 64) * 4 * 2);
});

test('mlbtc: presets count like their named structures; a 2-level custom example sums its levels', () => {
  const D = 256;
  const btt = analyze(spec({ kind: 'mlbtc', preset: 'btt', rank: 1 }));
  assert.equal(btt.layers[0]!.groups[0]!.scoringParams, 81_920 + D, 'btt preset = bilinear-btt');
  assert.equal(btt.rank.scoring, 256);
  const lowRank = analyze(spec({ kind: 'mlbtc', preset: 'low-rank', rank: 4 }));
  assert.equal(lowRank.rank.scoring, 4);
  assert.equal(lowRank.layers[0]!.groups[0]!.scoringParams, 8 * 4 * (D + D) + D, 'U (D×4) and V (4×D) per head, LN over D');
  const kron = analyze(spec({ kind: 'mlbtc', preset: 'kronecker' }));
  assert.equal(kron.layers[0]!.groups[0]!.scoringParams, 8 * (8 * 8 + 32 * 32) + D, 'A (8×8) and B (32×32) per head');
  assert.equal(kron.rank.scoring, 256);
  assert.equal(kron.rank.upperBound, undefined);
  // Level 0: BTT [8,32]←[8,32], s 1: 8·32·8 + 32·8·32 = 10,240 weights, rank 256 (capped).
  // Level 1: 4 blocks of 64, out [64,1], in [1,64], s 4 (low rank 4): 4·4·(64 + 64) = 2,048, rank 4·4 = 16.
  const custom = analyze(
    spec({ kind: 'mlbtc', levels: [{ blocks: 1, out: [8, 32], in: [8, 32], rank: 1 }, { blocks: 4, out: [64, 1], in: [1, 64], rank: 4 }] }),
  );
  assert.equal(custom.layers[0]!.groups[0]!.scoringParams, 8 * (10_240 + 2_048) + D);
  assert.equal(custom.layers[0]!.groups[0]!.macs.projectionsPerToken, 8 * (10_240 + 2_048));
  assert.equal(custom.rank.scoring, 256);
  assert.equal(custom.macs.scoresPerHead, 256 * 256 * 256);
  assert.equal(custom.kvCacheBytesPerToken, (8 * 256 + 256) * 4 * 6);
});

test('mlbtc with a rank-deficient Kronecker level summed with others is flagged as an upper bound', () => {
  const m = { width: 12, heads: 1, seqLen: 8 };
  // [2,6]←[3,4] Kronecker: rank min(2,3)·min(6,4) = 8; [2,6]←[1,12] Kronecker: rank 1·6 = 6. Their sum is at most 12.
  const both = analyze(spec({ kind: 'mlbtc', levels: [{ blocks: 1, out: [2, 6], in: [3, 4], rank: 1, kronecker: true }, { blocks: 1, out: [2, 6], in: [1, 12], rank: 1, kronecker: true }] }, m));
  assert.deepEqual(both.rank, { scoring: 12, max: 12, space: 'features', upperBound: true });
  const alone = analyze(spec({ kind: 'mlbtc', levels: [{ blocks: 1, out: [2, 6], in: [3, 4], rank: 1, kronecker: true }] }, m));
  assert.deepEqual(alone.rank, { scoring: 8, max: 12, space: 'features' });
  // A full-rank level (a dense block) makes the sum exact whatever the Kronecker level does.
  const withDense = analyze(spec({ kind: 'mlbtc', levels: [{ blocks: 1, out: [2, 6], in: [3, 4], rank: 1, kronecker: true }, { blocks: 1, out: [1, 12], in: [1, 12], rank: 1 }] }, m));
  assert.deepEqual(withDense.rank, { scoring: 12, max: 12, space: 'features' });
});

test('head groups: per-group scoring, scoresPerHead is the head-weighted mean, rank is the tightest group', () => {
  const a = analyze(
    spec(
      [
        { heads: 2, kind: 'dense' },
        { heads: 6, kind: 'bilinear-mlr', ranks: [16, 8, 4, 4] },
      ] as AttentionInput,
      { width: 256, heads: 8, seqLen: 64 },
    ),
  );
  assert.equal(a.layers[0]!.groups.length, 2);
  assert.equal(a.layers[0]!.groups[0]!.scoringParams, 2 * 256 * 2 * 32 + 2 * 32);
  assert.equal(a.layers[0]!.groups[1]!.scoringParams, 2 * 256 * 6 * 32 + 2 * (16 + 16 + 16 + 32));
  assert.equal(a.layers[0]!.components['attention.scoring'], a.layers[0]!.groups[0]!.scoringParams + a.layers[0]!.groups[1]!.scoringParams);
  assert.equal(a.macs.scoresPerHead, (2 * 64 * 64 * 32 + 6 * 64 * 64 * 80) / 8);
  // A mean that is not whole is rounded; the per-sequence total stays exact: 1 head of T²·32 and 2 of T²·7 at T 8.
  const uneven = analyze(spec([{ heads: 1, kind: 'dense' }, { heads: 2, kind: 'dense', qkDim: 7 }], { width: 96, heads: 3, seqLen: 8, layers: 1 }));
  assert.equal(uneven.macs.scoresPerHead, 981, '(2,048 + 2·448)/3 = 981.3');
  assert.equal(uneven.macs.perSequence - 8 * uneven.macs.perToken, 64 * 32 + 2 * 64 * 7 + 3 * 64 * 32);
  // dense 32/256 is tighter than bilinear-mlr 80/256
  assert.deepEqual(a.rank, { scoring: 32, max: 256, space: 'features' });
  assertConsistent(a);
});

test('MACs per token and per sequence follow the stated rule (LM: embedding lookup free, lm head counted)', () => {
  const D = 64;
  const V = 96;
  const T = 32;
  const a = analyze(spec({ kind: 'dense' }, { width: D, heads: 4, layers: 2, seqLen: T }));
  const perLayer = 2 * D * D /* Q, K */ + 2 * D * D /* V, O */ + 2 * 4 * D * D; /* MLP */
  assert.equal(a.layers[0]!.macs.perToken, perLayer);
  assert.equal(a.macs.perToken, 2 * perLayer + D * V);
  // 2 layers × 4 heads × (scores T²·16 + A·V T²·16)
  assert.equal(a.macs.perSequence, T * (2 * perLayer + D * V) + 2 * 4 * (T * T * 16 + T * T * 16));
  // Forecast: read-in C·D and read-out D·C are matmuls, both counted per token.
  const f = analyze(spec({ kind: 'dense' }, { width: D, heads: 4, layers: 2, seqLen: 40 }, { kind: 'forecast', channels: 7, lookback: 24, horizon: 16 }));
  assert.equal(f.macs.perToken, 2 * perLayer + 7 * D + D * 7);
  assert.deepEqual(f.params.outside, { readIn: 7 * D, positions: 40 * D, finalNorm: D, readOut: D * 7 });
});

test('activation bytes of one training sequence follow the documented list', () => {
  const D = 32;
  const T = 16;
  const H = 4;
  const r = 8;
  const V = 10;
  const a = analyze(spec({ kind: 'dense' }, { width: D, heads: H, layers: 3, seqLen: T }, { kind: 'language-model', vocabSize: V }));
  const perLayer =
    6 * T * D + // block input, ln_1 out, v, head outputs, ln_2 in, ln_2 out
    2 * T * 4 * D + // MLP hidden before and after GELU
    H * T * (2 * r + 2 * r) + // q, k and their QK-norm outputs
    H * 2 * T * T; // logits and probabilities
  const outside = 2 * T * D + T * V; // ln_f in/out, logits
  assert.equal(a.activationBytesPerSequence, 4 * (3 * perLayer + outside));
  // Without QK-norm the normalised copies go.
  const noNorm = analyze(spec({ kind: 'dense', qkNorm: false }, { width: D, heads: H, layers: 3, seqLen: T }, { kind: 'language-model', vocabSize: V }));
  assert.equal(a.activationBytesPerSequence - noNorm.activationBytesPerSequence, 4 * 3 * H * T * 2 * r);
  // BTT keeps U (b·c·s per head per token), z and LN(z) (D each) instead of q, k.
  const btt = analyze(spec({ kind: 'bilinear-btt' }, { width: D, heads: H, layers: 3, seqLen: T }, { kind: 'language-model', vocabSize: V }));
  const [fa, fb] = [4, 8]; // factorize(32)
  assert.equal(btt.activationBytesPerSequence - a.activationBytesPerSequence, 4 * 3 * H * T * (fb * fa * 1 + 2 * D - 4 * r));
});

test('QK-norm off removes exactly the gains of each family', () => {
  const pairs: [AttentionInput, number][] = [
    [{ kind: 'dense' }, 2 * 32],
    [{ kind: 'mlr', ranks: [16, 16] }, 2 * 32],
    [{ kind: 'bilinear-mlr', ranks: [16, 16] }, 2 * (16 + 32)],
    [{ kind: 'bilinear-btt' }, 256],
    [{ kind: 'mlbtc', preset: 'monarch' }, 256],
  ];
  for (const [attention, gains] of pairs) {
    const on = analyze(spec(attention));
    const off = analyze(spec({ ...(attention as object), qkNorm: false } as AttentionInput));
    assert.equal(on.layers[0]!.params - off.layers[0]!.params, gains, JSON.stringify(attention));
  }
});
