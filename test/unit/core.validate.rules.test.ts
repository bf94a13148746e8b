/**
 * Every cross-field rule: it fires with the right code, severity, path and a message that says what is wrong and
 * what would be right; its fixes carry hand-computed values and, applied, remove the problem. Cases that sit
 * just inside a rule must stay clean. The last test checks that every problem code is exercised somewhere.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { problemCodes, validate, validateText, type JsonPath, type Problem } from '../../src/core/validate';
import { applyFix, forecast, icl, lm, setAt } from './validate.fixtures';

interface Case {
  name: string;
  spec: unknown;
  code: keyof typeof problemCodes;
  path: JsonPath;
  severity?: 'error' | 'warning';
  /** Substrings the message must contain. */
  says: string[];
  /** Expected fix values, in order (omit: no fixes). */
  fixes?: unknown[];
}

const mlr = (ranks: number[], more: Record<string, unknown> = {}) => ({ kind: 'mlr', ranks, ...more });

const cases: Case[] = [
  // ── model and task ──
  {
    name: 'headDim contradicting width / heads',
    spec: lm({ kind: 'dense' }, { headDim: 48 }),
    code: 'head-dim',
    path: ['model', 'headDim'],
    says: ['4 × 48 = 192', 'model.width is 256', 'width / heads = 64'],
    fixes: [64],
  },
  {
    name: 'heads that do not divide the width',
    spec: lm({ kind: 'dense' }, { width: 250 }),
    code: 'head-dim',
    path: ['model', 'heads'],
    // Divisors of 250: 1, 2, 5, 10, 25, …; 5 is nearest to 4.
    says: ['250 is not divisible by model.heads 4', 'e.g. 5'],
    fixes: [5],
  },
  {
    name: 'icl seqLen ≠ 4 · inputDim',
    spec: icl({}, { seqLen: 60 }),
    code: 'icl-seq-len',
    path: ['model', 'seqLen'],
    says: ['4 × task.inputDim = 64', 'got 60'],
    fixes: [64, 15],
  },
  {
    name: 'curriculum starting above the full dimension',
    spec: icl({ curriculum: { startDims: 20 } }),
    code: 'curriculum-start',
    path: ['task', 'curriculum', 'startDims'],
    severity: 'warning',
    says: ['startDims 20', 'inputDim = 16'],
    fixes: [16],
  },
  {
    name: 'curriculum starting with more points than the prompt holds',
    spec: icl({ curriculum: { startPoints: 40 } }),
    code: 'curriculum-start',
    path: ['task', 'curriculum', 'startPoints'],
    severity: 'warning',
    says: ['2 × inputDim = 32'],
    fixes: [32],
  },
  {
    name: 'forecast seqLen ≠ lookback + horizon',
    spec: forecast({}, { seqLen: 100 }),
    code: 'forecast-seq-len',
    path: ['model', 'seqLen'],
    says: ['96 + 32 = 128', 'got 100'],
    fixes: [128, 68],
  },
  {
    name: 'univariate forecast with several channels',
    spec: forecast({ features: 'S' }),
    code: 'forecast-channels',
    path: ['task', 'channels'],
    says: ['must be 1', '"S"', 'got 7'],
    fixes: [1],
  },
  {
    name: 'split fractions above 1',
    spec: forecast({ split: [0.8, 0.2, 0.2] }),
    code: 'split-sum',
    path: ['task', 'split'],
    says: ['sum to 1.2', 'at most 1'],
  },
  // ── head groups and simple families ──
  {
    name: 'head groups summing above model.heads',
    spec: lm([{ heads: 3, kind: 'dense' }, { heads: 2, kind: 'dense' }]),
    code: 'group-heads',
    path: ['attention', 1, 'heads'],
    says: ['3 + 2 = 5', 'model.heads is 4'],
    fixes: [1],
  },
  {
    name: 'head groups summing below model.heads (the model can also follow the groups)',
    spec: lm([{ heads: 1, kind: 'dense' }, { heads: 1, kind: 'sliding-window', window: 8 }]),
    code: 'group-heads',
    path: ['attention', 1, 'heads'],
    says: ['1 + 1 = 2', 'model.heads is 4'],
    fixes: [3, 2],
  },
  // ── per-layer patterns ──
  {
    name: 'a pattern whose length does not divide model.layers',
    spec: lm({ pattern: [{ kind: 'dense' }, { kind: 'sliding-window', window: 128 }, { kind: 'sliding-window', window: 128 }] }, { layers: 4 }),
    code: 'pattern-length',
    path: ['attention', 'pattern'],
    says: ['3 entries', 'model.layers 4', 'ℓ mod 3'],
    fixes: [6, 3],
  },
  {
    name: 'head groups inside a pattern entry are checked at that entry',
    spec: lm({ pattern: [{ kind: 'dense' }, [{ heads: 3, kind: 'dense' }, { heads: 2, kind: 'dense' }]] }),
    code: 'group-heads',
    path: ['attention', 'pattern', 1, 1, 'heads'],
    says: ['3 + 2 = 5', 'model.heads is 4'],
    fixes: [1],
  },
  {
    name: 'a family rule inside a pattern entry names the entry',
    spec: lm({ pattern: [{ kind: 'dense' }, mlr([32, 16])] }),
    code: 'ranks-sum',
    path: ['attention', 'pattern', 1, 'ranks'],
    says: ['attention.pattern[1].ranks'],
    fixes: [[32, 32]],
  },
  {
    name: 'dense qkDim above the width',
    spec: lm({ kind: 'dense', qkDim: 300 }),
    code: 'rank-wasted',
    path: ['attention', 'qkDim'],
    severity: 'warning',
    says: ['300', 'model.width 256'],
  },
  {
    name: 'sliding window covering every pair',
    spec: lm({ kind: 'sliding-window', window: 1023 }),
    code: 'window-covers-all',
    path: ['attention', 'window'],
    severity: 'warning',
    says: ['1023', 'dense attention'],
  },
  {
    name: 'global-local window covering every pair',
    spec: lm({ kind: 'global-local', window: 5000, split: [32, 32] }),
    code: 'window-covers-all',
    path: ['attention', 'window'],
    severity: 'warning',
    says: ['5000', 'local part'],
  },
  {
    name: 'global-local split not summing to headDim',
    spec: lm({ kind: 'global-local', window: 512, split: [32, 16] }),
    code: 'global-local-split',
    path: ['attention', 'split'],
    says: ['sums to 48', 'must sum to 64'],
    fixes: [[32, 32]],
  },
  // ── MLR (sequence) ──
  {
    name: 'MLR ranks not summing to headDim',
    spec: lm(mlr([32, 8, 6, 4, 4, 4, 4, 4])),
    code: 'ranks-sum',
    path: ['attention', 'ranks'],
    says: ['sum to 66', 'must sum to 64'],
    fixes: [[32, 8, 6, 4, 4, 4, 4, 2]],
  },
  {
    name: 'MLR ranks whose last rank cannot absorb the excess (no fix)',
    spec: lm(mlr([64, 4])),
    code: 'ranks-sum',
    path: ['attention', 'ranks'],
    says: ['sum to 68'],
  },
  {
    name: 'dyadic blocks on a seqLen with too few factors of 2',
    spec: lm(mlr([32, 8, 6, 4, 4, 4, 4, 2]), { seqLen: 1000 }),
    code: 'dyadic-divisible',
    path: ['attention', 'ranks'],
    // 1000 = 2^3 · 125 → at most 4 levels; the nearest multiple of 128 is 1024.
    says: ['2^7 = 128', 'at most 4 levels', 'seqLen 1024'],
  },
  {
    name: 'explicit "dyadic" is blamed where it is written',
    spec: lm(mlr([32, 32], { blockSizes: 'dyadic' }), { seqLen: 999 }),
    code: 'dyadic-divisible',
    path: ['attention', 'blockSizes'],
    says: ['2^1 = 2', 'at most 1 level'],
  },
  {
    name: 'dyadic block shorter than its rank',
    spec: lm(mlr([16, 16, 16, 16]), { seqLen: 16 }),
    code: 'block-ge-rank',
    path: ['attention', 'ranks', 1],
    says: ['rank 16', 'only 8 tokens'],
  },
  {
    name: 'one block size per level',
    spec: lm(mlr([32, 8, 6, 4, 4, 4, 4, 2], { blockSizes: [1024, 512] })),
    code: 'block-count',
    path: ['attention', 'blockSizes'],
    says: ['2 entries', '8 levels'],
  },
  {
    name: 'block size not dividing seqLen',
    spec: lm(mlr([32, 32], { blockSizes: [1024, 500] })),
    code: 'block-divides-seqlen',
    path: ['attention', 'blockSizes', 1],
    says: ['500 does not divide model.seqLen 1024', '512'],
    fixes: [512],
  },
  {
    name: 'custom block below its rank',
    spec: lm(mlr([32, 32], { blockSizes: [1024, 16] })),
    code: 'block-ge-rank',
    path: ['attention', 'blockSizes', 1],
    says: ['16 is below', 'rank 32'],
    fixes: [32],
  },
  {
    name: 'coverage normalisation with an uncovered pair',
    spec: lm(mlr([32, 32], { blockSizes: [512, 256], normalize: 'coverage' })),
    code: 'coverage',
    path: ['attention', 'normalize'],
    says: ['pair (i=1023, j=0)', 'block size 1024'],
    fixes: [1024, 'none'],
  },
  {
    name: 'MLR inside a head group uses the group path',
    spec: lm([{ heads: 2, ...mlr([32, 16]) }, { heads: 2, kind: 'dense' }]),
    code: 'ranks-sum',
    path: ['attention', 0, 'ranks'],
    says: ['attention[0].ranks', 'must sum to 64'],
    fixes: [[32, 32]],
  },
  // ── feature-space families ──
  {
    name: 'bilinear MLR ranks not summing to headDim',
    spec: icl({}, {}, { kind: 'bilinear-mlr', ranks: [4, 4, 4] }),
    code: 'ranks-sum',
    path: ['attention', 'ranks'],
    says: ['sum to 12', 'must sum to 16'],
    fixes: [[4, 4, 8]],
  },
  {
    name: 'bilinear MLR with more levels than the width halves',
    spec: lm({ kind: 'bilinear-mlr', ranks: [8, 8, 8, 8, 8, 8] }, { width: 48, heads: 1 }),
    code: 'levels-divide-width',
    path: ['attention', 'ranks'],
    // 48 = 2^4 · 3 → at most 5 levels.
    says: ['2^5 = 32', 'at most 5 levels'],
  },
  {
    name: 'bilinear MLR rank above its block width',
    spec: lm({ kind: 'bilinear-mlr', ranks: [8, 8, 8, 40] }, { width: 64, heads: 1 }),
    code: 'rank-wasted',
    path: ['attention', 'ranks', 3],
    severity: 'warning',
    says: ['rank 40', 'only 8 wide'],
  },
  {
    name: 'BTT factors not multiplying to the width',
    spec: lm({ kind: 'bilinear-btt', factors: [8, 16] }),
    code: 'factors-product',
    path: ['attention', 'factors'],
    says: ['multiply to 128', 'must be 256'],
    fixes: [[8, 32]],
  },
  {
    name: 'MLBTC with neither preset nor levels',
    spec: lm({ kind: 'mlbtc' }),
    code: 'preset-or-levels',
    path: ['attention', 'preset'],
    says: ['needs a preset', 'levels'],
    fixes: ['btt'],
  },
  {
    name: 'MLBTC with both preset and levels',
    spec: lm({ kind: 'mlbtc', preset: 'btt', levels: [{ blocks: 1, out: [8, 32], in: [8, 32], rank: 1 }] }),
    code: 'preset-or-levels',
    path: ['attention', 'preset'],
    says: ['both a preset and levels'],
    fixes: [
      { kind: 'mlbtc', levels: [{ blocks: 1, out: [8, 32], in: [8, 32], rank: 1 }] },
      { kind: 'mlbtc', preset: 'btt' },
    ],
  },
  {
    name: 'low-rank preset without a rank',
    spec: lm({ kind: 'mlbtc', preset: 'low-rank' }),
    code: 'preset-rank',
    path: ['attention', 'rank'],
    says: ['"low-rank" needs a rank'],
    fixes: [64],
  },
  {
    name: 'rank given to a fixed-rank preset',
    spec: lm({ kind: 'mlbtc', preset: 'monarch', rank: 2 }),
    code: 'rank-ignored',
    path: ['attention', 'rank'],
    severity: 'warning',
    says: ['"monarch"'],
  },
  {
    name: 'MLBTC level blocks not dividing the width',
    spec: lm({ kind: 'mlbtc', levels: [{ blocks: 3, out: [8, 32], in: [8, 32], rank: 1 }] }),
    code: 'level-blocks',
    path: ['attention', 'levels', 0, 'blocks'],
    // Divisors of 256 nearest to 3: 2 and 4 tie; the larger wins.
    says: ['3 does not divide model.width 256'],
    fixes: [4],
  },
  {
    name: 'MLBTC level out factors not multiplying to the block width (one factor kept)',
    spec: lm({ kind: 'mlbtc', levels: [{ blocks: 4, out: [8, 16], in: [8, 8], rank: 1 }] }),
    code: 'level-factors',
    path: ['attention', 'levels', 0, 'out'],
    says: ['multiply to 128', '64×64', 'must be 64'],
    fixes: [[8, 8]],
  },
  {
    name: 'MLBTC level in factors where neither factor divides (reference factorisation)',
    spec: lm({ kind: 'mlbtc', levels: [{ blocks: 4, out: [8, 8], in: [3, 5], rank: 1 }] }),
    code: 'level-factors',
    path: ['attention', 'levels', 0, 'in'],
    says: ['multiply to 15'],
    fixes: [[4, 16]],
  },
  {
    name: 'Kronecker level with rank above 1',
    spec: lm({ kind: 'mlbtc', levels: [{ blocks: 1, out: [8, 32], in: [8, 32], rank: 2, kronecker: true }] }),
    code: 'kronecker-rank',
    path: ['attention', 'levels', 0, 'rank'],
    says: ['must be 1', 'A ⊗ B'],
    fixes: [1],
  },
  // ── training and search ──
  {
    name: 'default warm-up longer than a short run',
    spec: lm({ kind: 'dense' }, {}, { training: { steps: 50 } }),
    code: 'warmup-exceeds-steps',
    path: ['training', 'steps'],
    severity: 'warning',
    says: ['100 (the default)', 'steps 50'],
  },
  {
    name: 'written warm-up longer than the run',
    spec: lm({ kind: 'dense' }, {}, { training: { steps: 50, warmupSteps: 60 } }),
    code: 'warmup-exceeds-steps',
    path: ['training', 'warmupSteps'],
    severity: 'warning',
    says: ['warmupSteps 60 exceeds'],
  },
  {
    name: 'a micro-batch that does not divide the batch',
    spec: lm({ kind: 'dense' }, {}, { training: { batchSize: 32, microBatchSize: 5 } }),
    code: 'micro-batch-divides',
    path: ['training', 'microBatchSize'],
    // Divisors of 32: 1, 2, 4, 8, …; 4 is nearest to 5.
    says: ['microBatchSize 5 does not divide training.batchSize 32', 'e.g. 4'],
    fixes: [4],
  },
  {
    name: 'a micro-batch that does not divide the default batch',
    spec: lm({ kind: 'dense' }, {}, { training: { microBatchSize: 6 } }),
    code: 'micro-batch-divides',
    path: ['training', 'microBatchSize'],
    // The schema's default batchSize is 16; its divisors nearest to 6: 4 and 8 (ties take the larger).
    says: ['batchSize 16'],
    fixes: [8],
  },
  {
    name: 'minLrRatio without the cosine schedule',
    spec: lm({ kind: 'dense' }, {}, { training: { minLrRatio: 0.2 } }),
    code: 'option-ignored',
    path: ['training', 'minLrRatio'],
    severity: 'warning',
    says: ['"cosine"'],
  },
  {
    name: 'a search key with a typo',
    spec: lm(mlr([32, 32]), {}, { search: { space: { 'attention.rankz': { rankSplits: { levels: 2 } } } } }),
    code: 'search-path',
    path: ['search', 'space', 'attention.rankz'],
    severity: 'warning',
    says: ['"attention.rankz"', 'did you mean "attention.ranks"'],
    fixes: [{ 'attention.ranks': { rankSplits: { levels: 2 } } }],
  },
  {
    name: 'a search key naming another family’s field',
    spec: lm(mlr([32, 32]), {}, { search: { space: { 'attention.window': { int: [64, 512] } } } }),
    code: 'search-path',
    path: ['search', 'space', 'attention.window'],
    severity: 'warning',
    says: ['attention (mlr) has no field "window"'],
  },
  {
    name: 'a search key into the search block',
    spec: lm({ kind: 'dense' }, {}, { search: { space: { 'search.seed': { choice: [1, 2] } } } }),
    code: 'search-path',
    path: ['search', 'space', 'search.seed'],
    severity: 'warning',
    says: ['search block itself'],
  },
  {
    name: 'a backwards integer range',
    spec: lm({ kind: 'dense' }, {}, { search: { space: { 'model.layers': { int: [8, 2] } } } }),
    code: 'range-order',
    path: ['search', 'space', 'model.layers', 'int'],
    says: ['[8, 2]', '[low, high]'],
    fixes: [[2, 8]],
  },
  {
    name: 'a backwards log-uniform range',
    spec: lm({ kind: 'dense' }, {}, { search: { space: { 'training.lr': { logUniform: [0.01, 0.0001] } } } }),
    code: 'range-order',
    path: ['search', 'space', 'training.lr', 'logUniform'],
    says: ['[0.01, 0.0001]'],
    fixes: [[0.0001, 0.01]],
  },
  {
    name: 'asha without its block',
    spec: lm({ kind: 'dense' }, {}, { search: { space: {}, strategy: 'asha', trials: 8 } }),
    code: 'asha-missing',
    path: ['search', 'asha'],
    says: ['needs an asha block', 'minBudget'],
  },
  {
    name: 'asha block with another strategy',
    spec: lm({ kind: 'dense' }, {}, { search: { space: {}, strategy: 'random', trials: 4, asha: { minBudget: 10, maxBudget: 90 } } }),
    code: 'option-ignored',
    path: ['search', 'asha'],
    severity: 'warning',
    says: ['strategy "asha"', '"random"'],
  },
  {
    name: 'trials with grid search',
    spec: lm({ kind: 'dense' }, {}, { search: { space: {}, trials: 4 } }),
    code: 'option-ignored',
    path: ['search', 'trials'],
    severity: 'warning',
    says: ['every combination'],
  },
  {
    name: 'asha budgets out of order',
    spec: lm({ kind: 'dense' }, {}, { search: { space: {}, strategy: 'asha', trials: 8, asha: { minBudget: 900, maxBudget: 100 } } }),
    code: 'budget-order',
    path: ['search', 'asha', 'minBudget'],
    says: ['900', 'maxBudget 100'],
  },
];

const find = (problems: Problem[], c: Pick<Case, 'code' | 'path'>) => problems.find((p) => p.code === c.code && JSON.stringify(p.path) === JSON.stringify(c.path));

describe('semantic rules', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { problems, spec } = validate(c.spec);
      const p = find(problems, c);
      assert.ok(p, `expected ${c.code} at ${JSON.stringify(c.path)}; got ${JSON.stringify(problems, null, 1)}`);
      assert.equal(p.severity, c.severity ?? 'error');
      for (const s of c.says) assert.ok(p.message.includes(s), `message ${JSON.stringify(p.message)} should contain ${JSON.stringify(s)}`);
      // One problem per rule: no duplicates of the same code at the same path.
      assert.equal(problems.filter((q) => q.code === c.code && JSON.stringify(q.path) === JSON.stringify(c.path)).length, 1);
      // A spec is returned exactly when there is no error.
      assert.equal(spec !== undefined, !problems.some((q) => q.severity === 'error'));
      assert.deepEqual((p.fixes ?? []).map((f) => f.value), c.fixes ?? []);
      for (const fix of p.fixes ?? []) {
        assert.ok(fix.title.length > 0);
        const after = validate(applyFix(c.spec, fix)).problems;
        assert.equal(find(after, c), undefined, `fix "${fix.title}" should remove the problem; still: ${JSON.stringify(after)}`);
      }
    });
  }
});

describe('rules stay quiet just inside their limits', () => {
  const clean: [string, unknown][] = [
    ['explicit headDim equal to width / heads', lm({ kind: 'dense' }, { headDim: 64 })],
    ['fractions summing to 1 up to rounding', forecast({ split: [0.7, 0.2, 0.1] })],
    ['univariate forecast with one channel', forecast({ features: 'S', channels: 1 })],
    ['window one below the farthest pair', lm({ kind: 'sliding-window', window: 1022 })],
    ['dyadic blocks exactly as long as their ranks', lm(mlr([16, 16, 16, 16]), { seqLen: 128 })],
    ['coverage with a global level among custom blocks', lm(mlr([32, 32], { blockSizes: [256, 1024], normalize: 'coverage' }))],
    ['dense qkDim different from headDim (allowed for dense only)', lm({ kind: 'dense', qkDim: 16 })],
    ['bilinear MLR rank equal to its block width', lm({ kind: 'bilinear-mlr', ranks: [32, 16, 8, 4, 4] }, { width: 64, heads: 1 })],
    ['MLBTC btt preset with a rank', lm({ kind: 'mlbtc', preset: 'btt', rank: 2 })],
    ['head groups summing to model.heads', lm([{ heads: 3, kind: 'dense' }, { heads: 1, kind: 'mlr', ranks: [32, 32] }])],
    ['warm-up equal to steps', lm({ kind: 'dense' }, {}, { training: { steps: 100, warmupSteps: 100 } })],
    ['search keys on fields of the file and on head groups', lm([{ heads: 2, kind: 'dense' }, { heads: 2, ...mlr([32, 32]) }], {}, {
      search: { space: { 'attention.1.ranks': { rankSplits: { levels: 2, multipleOf: 8 } }, 'attention.0.heads': { choice: [1, 2] }, 'training.lr': { logUniform: [1e-4, 1e-2] } } },
    })],
    ['a family field is searchable when the kind is searched too', lm(mlr([32, 32]), {}, {
      search: { space: { 'attention.kind': { choice: ['mlr', 'sliding-window'] }, 'attention.window': { choice: [128, 512] } } },
    })],
  ];
  for (const [name, spec] of clean) {
    it(name, () => {
      const { problems, spec: resolved } = validate(spec);
      assert.deepEqual(problems, []);
      assert.ok(resolved);
    });
  }
});

describe('coverage normalisation matches a brute-force count of uncovered pairs', () => {
  // Every schedule of 1–3 levels drawn from the divisors of T (block ≥ rank 1 always holds).
  for (const T of [8, 12, 16]) {
    it(`every block schedule at T = ${T}`, () => {
      const divs = Array.from({ length: T }, (_, i) => i + 1).filter((d) => T % d === 0);
      const schedules: number[][] = [];
      for (const a of divs) {
        schedules.push([a]);
        for (const b of divs) {
          schedules.push([a, b]);
          for (const c of divs) schedules.push([a, b, c]);
        }
      }
      for (const blocks of schedules) {
        let uncovered = false;
        for (let i = 0; i < T && !uncovered; i++) for (let j = 0; j <= i; j++) if (!blocks.some((b) => Math.floor(i / b) === Math.floor(j / b))) uncovered = true;
        const ranks = blocks.map(() => 1);
        const spec = lm(mlr(ranks, { blockSizes: blocks, normalize: 'coverage' }), { seqLen: T, width: blocks.length * 4, heads: 4 });
        const fired = validate(spec).problems.some((p) => p.code === 'coverage');
        assert.equal(fired, uncovered, `blocks ${blocks.join('|')} at T = ${T}`);
      }
    });
  }
});

describe('problem codes', () => {
  it('every listed code is produced by some case in the validation tests', () => {
    const seen = new Set<string>(cases.map((c) => c.code));
    // Schema- and text-level codes, exercised here once each so the list cannot drift from the code.
    const more: unknown[] = [
      lm({ kind: 'dense' }, { width: '256' }), // type
      lm({ kind: 'dense' }, { width: 0 }), // range
      lm({ kind: 'mrl' }), // enum
      lm(mlr([])), // items
      lm({ kind: 'dense' }, { layers: undefined }), // required
      lm({ kind: 'dense', rankz: 1 }), // unknown-property
      { ...lm({ kind: 'dense' }), ...Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x${i}`, i])) }, // too-many-problems
    ];
    for (const v of more) for (const p of validate(v).problems) seen.add(p.code);
    for (const t of ['{"name": "a",}', '{"name": "a", "name": "b"}']) for (const p of validateText(t).problems) seen.add(p.code);
    const missing = Object.keys(problemCodes).filter((c) => c !== 'internal' && !seen.has(c));
    assert.deepEqual(missing, []);
  });

  it('setAt, the tests’ own fix applier, sets nested values without touching the input', () => {
    const v = { a: { b: [1, 2] } };
    assert.deepEqual(setAt(v, ['a', 'b', 1], 5), { a: { b: [1, 5] } });
    assert.deepEqual(v, { a: { b: [1, 2] } });
  });
});
