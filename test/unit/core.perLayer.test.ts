/**
 * Per-layer structures (`attention.pattern`, docs/choices.md): resolution gives every block its entry's groups,
 * validation checks each entry at its own path, and the analysis of a pattern equals what uniform specs of its
 * entries give block by block, computed independently here from their totals at two layer counts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze, type Analysis } from '../../src/core/analysis';
import { distinctLayers, resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { validate } from '../../src/core/validate';
import { analysisTable } from '../../src/cli/analysisTable';
import { planSearch } from '../../src/runs/search/plan';

const dense = { kind: 'dense' };
const window = { kind: 'sliding-window', window: 8 };
const mixed = [
  { heads: 2, kind: 'mlr', ranks: [8, 8] },
  { heads: 2, kind: 'dense' },
];

function lm(attention: unknown, layers: number, extra: object = {}): StructureSpec {
  return {
    name: 'per-layer',
    task: { kind: 'language-model', vocabSize: 40 },
    model: { width: 64, heads: 4, layers, seqLen: 32 },
    attention,
    ...extra,
  } as StructureSpec;
}

function analysed(attention: unknown, layers: number): Analysis {
  const r = validate(lm(attention, layers));
  assert.ok(r.spec, JSON.stringify(r.problems));
  return analyze(r.spec);
}

/** One block's share of a figure and the part outside the blocks, from a uniform spec at 2 and 4 layers. */
function perBlock(attention: unknown, figure: (a: Analysis) => number): { block: number; outside: number } {
  const two = figure(analysed(attention, 2));
  const four = figure(analysed(attention, 4));
  const block = (four - two) / 2;
  return { block, outside: two - 2 * block };
}

const figures: Record<string, (a: Analysis) => number> = {
  params: (a) => a.params.total,
  macsPerToken: (a) => a.macs.perToken,
  macsPerSequence: (a) => a.macs.perSequence,
  kvCache: (a) => a.kvCacheBytesPerToken,
  activations: (a) => a.activationBytesPerSequence,
};

describe('per-layer structures', () => {
  it('resolve every block from entry ℓ mod n, sharing one resolved object per entry', () => {
    const spec = resolveSpec(lm({ pattern: [dense, window, window] }, 6));
    assert.equal(spec.layers.length, 6);
    assert.deepEqual(
      spec.layers.map((l) => l.groups.map((g) => g.attention.kind)),
      [['dense'], ['sliding-window'], ['sliding-window'], ['dense'], ['sliding-window'], ['sliding-window']],
    );
    assert.equal(spec.layers[0], spec.layers[3]);
    assert.deepEqual(spec.layers[1]!.groups[0]!.attention, { kind: 'sliding-window', window: 8, logitScale: 'mup', qkNorm: true });
    // Entries 1 and 2 are equal structures: one distinct layer structure for both.
    assert.deepEqual(
      distinctLayers(spec).map((d) => d.layers),
      [
        [0, 3],
        [1, 2, 4, 5],
      ],
    );
    const uniform = resolveSpec(lm(mixed, 3));
    assert.deepEqual(
      distinctLayers(uniform).map((d) => d.layers),
      [[0, 1, 2]],
    );
    assert.deepEqual(
      uniform.layers[2]!.groups.map((g) => [g.heads, g.firstHead, g.attention.kind]),
      [
        [2, 0, 'mlr'],
        [2, 2, 'dense'],
      ],
    );
  });

  it('a pattern of one entry is the uniform spec', () => {
    assert.deepEqual(resolveSpec(lm({ pattern: [mixed] }, 3)), resolveSpec(lm(mixed, 3)));
  });

  for (const [name, pattern, layers] of [
    ['sequential GSWA dense | window | window', [dense, window, window], 6],
    ['mixed mlr/dense head groups, then dense', [mixed, dense], 4],
  ] as const) {
    it(`totals of ${name} are the sum of its blocks, each as a uniform spec counts it`, () => {
      const a = analysed({ pattern }, layers);
      for (const [key, figure] of Object.entries(figures)) {
        let expected = 0;
        let outside = 0;
        for (let l = 0; l < layers; l++) {
          const share = perBlock(pattern[l % pattern.length], figure);
          expected += share.block;
          outside = share.outside;
        }
        assert.equal(figure(a), expected + outside, key);
      }
      // Scores per head: the mean over every head of every layer, from the uniform specs' own means.
      const scores = Array.from({ length: layers }, (_, l) => analysed(pattern[l % pattern.length], layers).macs.scoresPerHead);
      assert.equal(a.macs.scoresPerHead, Math.round(scores.reduce((s, v) => s + v, 0) / layers));
      // Per-layer rows: one per distinct structure, with its blocks and the uniform spec's rank.
      assert.equal(
        a.layers.reduce((n, l) => n + l.layers.length, 0),
        layers,
      );
      for (const la of a.layers) {
        const alone = analysed(pattern[la.layers[0]! % pattern.length], layers);
        assert.deepEqual(la.rank, alone.rank);
        assert.equal(la.params, perBlock(pattern[la.layers[0]! % pattern.length], figures.params!).block);
        assert.deepEqual(
          la.groups.map((g) => g.scoringParams),
          alone.layers[0]!.groups.map((g) => g.scoringParams),
        );
      }
      const lowest = a.layers.map((l) => l.rank).reduce((lo, r) => (r.scoring * lo.max < lo.scoring * r.max ? r : lo));
      assert.deepEqual(a.rank, lowest);
    });
  }

  it('the CLI table shows one row per layer structure when layers differ', () => {
    const r = validate(lm({ pattern: [dense, window, window] }, 6));
    const table = analysisTable('x.mlbtc.json', r.spec!, analyze(r.spec!));
    assert.match(table, /attention: dense in layers 0, 3; sliding-window in layers 1–2, 4–5/);
    assert.match(table, /^ {2}layers 0, 3 \(× 2\) +\d/m);
    assert.match(table, /^ {2}layers 1–2, 4–5 \(× 4\) +\d/m);
    assert.match(table, /^Layers and head groups$/m);
    const uniform = validate(lm(dense, 6));
    assert.match(analysisTable('y.mlbtc.json', uniform.spec!, analyze(uniform.spec!)), /^ {2}per layer \(× 6\) +\d/m);
  });

  it('validation names the pattern entry of a problem, and a pattern must divide the layers', () => {
    const r = validate(lm({ pattern: [dense, { kind: 'sliding-window', window: 40 }] }, 4));
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.path.join('.')]),
      [['window-covers-all', 'attention.pattern.1.window']],
    );
    const typo = validate(lm({ pattern: [dense, { kind: 'mlr', rank: [8, 8] }] }, 4));
    assert.deepEqual(
      typo.problems.map((p) => [p.code, p.path.join('.')]),
      [['unknown-property', 'attention.pattern.1.rank']],
    );
    const uneven = validate(lm({ pattern: [dense, window, window] }, 4));
    assert.deepEqual(
      uneven.problems.map((p) => [p.code, p.path.join('.'), p.fixes?.map((f) => f.value)]),
      [['pattern-length', 'attention.pattern', [6, 3]]],
    );
  });

  it('a search dimension sets one pattern entry by its dotted path', () => {
    // Entries as a parsed file has them: separate objects (JSON never shares one).
    const raw = lm({ pattern: [{ ...dense }, { ...window }, { ...window }] }, 3, {
      search: { space: { 'attention.pattern.1.window': { choice: [4, 16] } } },
    });
    assert.deepEqual(validate(raw).problems, []);
    const plan = planSearch(raw);
    assert.deepEqual(
      plan.trials.map((t) => t.spec.layers.map((l) => (l.groups[0]!.attention as { window?: number }).window ?? null)),
      [
        [null, 4, 8],
        [null, 16, 8],
      ],
    );
    const wrong = validate(
      lm({ pattern: [dense, window, window] }, 3, { search: { space: { 'attention.pattern.1.windw': { choice: [4] } } } }),
    );
    assert.deepEqual(
      wrong.problems.map((p) => p.code),
      ['search-path'],
    );
    assert.match(wrong.problems[0]!.message, /did you mean "attention\.pattern\.1\.window"/);
  });
});
