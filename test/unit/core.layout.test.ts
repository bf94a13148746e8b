import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blocksAt, layoutBlocks, scoringLayout, stackedValue, twoCoreBlockRank } from '../../src/core/layout/scoring';
import { tensorNetwork } from '../../src/core/layout/tensorNetwork';
import { twoCoreLevels } from '../../src/core/layout/twoCore';
import { resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';

function spec(attention: unknown, model: Partial<StructureSpec['model']> = {}) {
  return resolveSpec({
    name: 't',
    task: { kind: 'language-model', vocabSize: 65 },
    model: { width: 256, heads: 4, layers: 2, seqLen: 1024, ...model },
    attention,
  } as StructureSpec);
}

const rects = (l: ReturnType<typeof scoringLayout>) => layoutBlocks(l).map((b) => [b.level, b.start, b.size]);

test('MLR, dyadic, T=16, 3 levels: 1 + 2 + 4 blocks of 16, 8 and 4 tokens on the diagonal', () => {
  const s = spec({ kind: 'mlr', ranks: [2, 1, 1] }, { width: 16, heads: 4, seqLen: 16 });
  const layout = scoringLayout(s.layers[0]!.groups[0], s.model);
  assert.equal(layout.space, 'sequence');
  assert.equal(layout.size, 16);
  assert.deepEqual(rects(layout), [
    [0, 0, 16],
    [1, 0, 8],
    [1, 8, 8],
    [2, 0, 4],
    [2, 4, 4],
    [2, 8, 4],
    [2, 12, 4],
  ]);
  assert.deepEqual(layout.levels.map((l) => l.blockRank), [2, 1, 1]);
});

test('MLR 32|8|6|4|4|4|4|2 at T=1024: block score MACs sum to 40,321,024 per head (§3.4)', () => {
  const s = spec({ kind: 'mlr', ranks: [32, 8, 6, 4, 4, 4, 4, 2] });
  const layout = scoringLayout(s.layers[0]!.groups[0], s.model);
  assert.equal(layoutBlocks(layout).length, 1 + 2 + 4 + 8 + 16 + 32 + 64 + 128);
  assert.equal(layoutBlocks(layout).reduce((t, b) => t + b.macs, 0), 40_321_024);
  // Every block lies on the diagonal inside the matrix, and blocks of one level tile it exactly.
  for (const [l, lv] of layout.levels.entries()) {
    const own = layoutBlocks(layout, l);
    assert.equal(own.reduce((t, b) => t + b.size, 0), 1024, `level ${l} covers the sequence`);
    assert.equal(lv.blockSize, 1024 / 2 ** l);
  }
});

test('custom MLR block sizes keep their order and cap rank at the block length', () => {
  const s = spec({ kind: 'mlr', ranks: [4, 3, 1], blockSizes: [4, 8, 16] }, { width: 32, heads: 4, seqLen: 16 });
  const layout = scoringLayout(s.layers[0]!.groups[0], s.model);
  assert.deepEqual(layout.levels.map((l) => [l.blocks, l.blockSize, l.blockRank]), [
    [4, 4, 4],
    [2, 8, 3],
    [1, 16, 1],
  ]);
});

test('bilinear MLR 8|8|8|8 at D=256: 1+2+4+8 feature blocks; projections cost 2·D·Σr per head', () => {
  const s = spec({ kind: 'bilinear-mlr', ranks: [8, 8, 8, 8] }, { heads: 8 });
  const layout = scoringLayout(s.layers[0]!.groups[0], s.model);
  assert.equal(layout.space, 'features');
  assert.deepEqual(layout.levels.map((l) => [l.blocks, l.blockSize, l.blockRank]), [
    [1, 256, 8],
    [2, 128, 8],
    [4, 64, 8],
    [8, 32, 8],
  ]);
  // Sum of block ranks = Σ r_l·2^l = 120, the §3.3 rank of this head.
  assert.equal(layoutBlocks(layout).reduce((t, b) => t + b.rank, 0), 120);
  assert.equal(layoutBlocks(layout).reduce((t, b) => t + b.macs, 0), 2 * 256 * 32);
});

test('bilinear BTT at D=256: one full-rank block whose per-head cost times 8 heads is 81,920 (§3.2 d, e)', () => {
  const s = spec({ kind: 'bilinear-btt', rank: 1 }, { heads: 8 });
  const layout = scoringLayout(s.layers[0]!.groups[0], s.model);
  assert.deepEqual(rects(layout), [[0, 0, 256]]);
  assert.equal(layoutBlocks(layout)[0].rank, 256);
  assert.equal(layoutBlocks(layout)[0].macs * 8, 81_920);
});

test('dense and windowed families are one low-rank feature block; global-local is two, with the window kept', () => {
  const dense = spec({ kind: 'dense' });
  assert.deepEqual(scoringLayout(dense.layers[0]!.groups[0]!, dense.model).levels.map((l) => [l.blocks, l.blockRank, l.blockMacs]), [[1, 64, 2 * 256 * 64]]);
  const gl = spec({ kind: 'global-local', window: 512, split: [48, 16] });
  const layout = scoringLayout(gl.layers[0]!.groups[0]!, gl.model);
  assert.deepEqual(layout.levels.map((l) => l.blockRank), [48, 16]);
  assert.deepEqual(layout.window, { size: 512, seqLen: 1024 });
});

test('MLBTC: a custom two-level structure and the Kronecker preset', () => {
  const two = spec({ kind: 'mlbtc', levels: [{ blocks: 1, out: [8, 32], in: [8, 32], rank: 1 }, { blocks: 4, out: [64, 1], in: [1, 64], rank: 4 }] });
  const layout = scoringLayout(two.layers[0]!.groups[0]!, two.model);
  assert.deepEqual(layout.levels.map((l) => [l.blocks, l.blockSize, l.blockRank, l.blockMacs]), [
    [1, 256, 256, 1 * (8 * 32 * 8 + 32 * 8 * 32)],
    [4, 64, 4, 4 * (64 * 1 * 1 + 1 * 1 * 64)],
  ]);
  const kron = spec({ kind: 'mlbtc', preset: 'kronecker' });
  const level = twoCoreLevels(kron.layers[0]!.groups[0].attention, kron.model)![0];
  assert.equal(twoCoreBlockRank(level), 8 * 32, 'A⊗B with A 8×8, B 32×32 is full rank');
  assert.equal(twoCoreBlockRank({ out: [4, 8], in: [2, 16], rank: 1, kronecker: true }), 2 * 8, 'min(a,c)·min(b,d)');
  assert.equal(twoCoreBlockRank({ out: [8, 32], in: [8, 32], rank: 1, kronecker: false }), 256);
  assert.equal(twoCoreBlockRank({ out: [16, 4], in: [2, 32], rank: 3, kronecker: false }), 4 * 6, 'b·min(a, c·s)');
});

test('head groups each get their own layout', () => {
  const s = spec(
    [
      { heads: 2, kind: 'mlr', ranks: [32, 32] },
      { heads: 2, kind: 'dense' },
    ],
    {},
  );
  assert.deepEqual(s.layers[0]!.groups.map((g) => scoringLayout(g, s.model).space), ['sequence', 'features']);
});

test('tensor networks: BTT shares β and γ between cores, low-rank reduces to σ, Kronecker shares nothing', () => {
  const btt = tensorNetwork({ blocks: 1, out: [8, 32], in: [8, 32], rank: 2, kronecker: false, label: '' });
  assert.deepEqual(btt.cores.map((c) => [c.id, c.legs.join(''), c.shape, c.params]), [
    ['R', 'abcs', [8, 32, 8, 2], 8 * 32 * 8 * 2],
    ['L', 'sbcd', [2, 32, 8, 32], 2 * 32 * 8 * 32],
  ]);
  assert.deepEqual(btt.legs.filter((l) => l.cores.length === 2).map((l) => l.index), ['β', 'γ', 'σ']);

  const lowRank = tensorNetwork({ blocks: 4, out: [64, 1], in: [1, 64], rank: 4, kronecker: false, label: '' });
  assert.deepEqual(lowRank.legs.filter((l) => !l.trivial).map((l) => l.name), ['a', 'd', 's']);
  assert.equal(lowRank.blocks, 4);

  const kron = tensorNetwork({ blocks: 1, out: [8, 32], in: [8, 32], rank: 1, kronecker: true, label: '' });
  assert.deepEqual(kron.cores.map((c) => [c.id, c.shape]), [
    ['A', [8, 8]],
    ['B', [32, 32]],
  ]);
  assert.ok(kron.legs.every((l) => l.cores.length === 1));
});

test('blocksAt finds the blocks covering an entry: MLR T=16 dyadic, levels sharing a (query, key) pair', () => {
  const s = spec({ kind: 'mlr', ranks: [2, 1, 1] }, { width: 16, heads: 4, seqLen: 16 });
  const layout = scoringLayout(s.layers[0]!.groups[0], s.model);
  // i = 5, j = 6: same 16-block, same 8-block (0–7), same 4-block (4–7): all three levels.
  assert.deepEqual(blocksAt(layout, 5, 6).map((b) => [b.level, b.index]), [
    [0, 0],
    [1, 0],
    [2, 1],
  ]);
  // i = 9, j = 2: only the global level.
  assert.deepEqual(blocksAt(layout, 9, 2).map((b) => b.level), [0]);
  // i = 3, j = 4: levels 0 and 1 (0–7) but not level 2 (0–3 vs 4–7).
  assert.deepEqual(blocksAt(layout, 3, 4).map((b) => b.level), [0, 1]);
});

test('a huge level is described, not listed: T = 2^20 with unit blocks costs nothing to lay out', () => {
  const s = spec({ kind: 'mlr', ranks: [1, 1], blockSizes: [2 ** 20, 1] }, { width: 8, heads: 4, seqLen: 2 ** 20 });
  const layout = scoringLayout(s.layers[0]!.groups[0], s.model);
  assert.deepEqual(layout.levels.map((l) => [l.blocks, l.blockSize]), [
    [1, 2 ** 20],
    [2 ** 20, 1],
  ]);
  assert.deepEqual(blocksAt(layout, 123_456, 123_456).map((b) => [b.level, b.index, b.start]), [
    [0, 0, 0],
    [1, 123_456, 123_456],
  ]);
});

test('stacked values: a block drawn on top shows the sum over the levels that cover it (MLR T=16, ranks 2|1|1)', () => {
  const s = spec({ kind: 'mlr', ranks: [2, 1, 1] }, { width: 16, heads: 4, seqLen: 16 });
  const layout = scoringLayout(s.layers[0]!.groups[0], s.model);
  const rank = (lv: { blockRank: number }) => lv.blockRank;
  assert.deepEqual(
    layoutBlocks(layout).map((b) => [b.level, b.index, stackedValue(layout, b, rank)]),
    [
      [0, 0, 2],
      [1, 0, 3],
      [1, 1, 3],
      [2, 0, 4],
      [2, 1, 4],
      [2, 2, 4],
      [2, 3, 4],
    ],
  );
  // Reversed custom schedule (finest level first): the global level still sits below and adds its rank.
  const r = spec({ kind: 'mlr', ranks: [1, 1, 2], blockSizes: [4, 8, 16] }, { width: 16, heads: 4, seqLen: 16 });
  const rev = scoringLayout(r.layers[0]!.groups[0], r.model);
  assert.deepEqual(layoutBlocks(rev, 0).map((b) => stackedValue(rev, b, rank)), [4, 4, 4, 4]);
  assert.deepEqual(layoutBlocks(rev, 2).map((b) => stackedValue(rev, b, rank)), [2]);
});
