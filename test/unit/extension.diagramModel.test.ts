import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze } from '../../src/core/analysis';
import { validateText } from '../../src/core/validate';
import { diagramModel } from '../../src/extension/panels/diagram/diagramModel';
import { bilinearMlr, headGroups, paperMlr, twoLevelMlbtc } from '../fixtures/structures';

/** A fixture with another attention block. */
const withAttention = (text: string, attention: unknown) => JSON.stringify({ ...JSON.parse(text), attention });

const fixtures: Record<string, string> = {
  'head-groups': headGroups,
  'paper-mlr': paperMlr,
  'bilinear-mlr': bilinearMlr,
  'two-level': twoLevelMlbtc,
  'bilinear-btt': withAttention(bilinearMlr, { kind: 'bilinear-btt', rank: 2 }),
  'global-local': withAttention(paperMlr, { kind: 'global-local', window: 512, split: [48, 16] }),
};

function model(name: string) {
  const { spec } = validateText(fixtures[name]);
  assert.ok(spec, `${name} is valid`);
  return { spec, analysis: analyze(spec), model: diagramModel(`file:///x/${name}.mlbtc.json`, `${name}.mlbtc.json`, spec, analyze(spec)) };
}

test('head groups: one diagram group each, with the layout of its own family', () => {
  const { model: m } = model('head-groups');
  assert.deepEqual(m.layers[0]!.groups.map((g) => [g.kind, g.heads, g.firstHead, g.layout.space, g.networks?.length]), [
    ['mlr', 4, 0, 'sequence', undefined],
    ['dense', 4, 4, 'features', 1],
  ]);
  assert.deepEqual(m.model, { width: 512, heads: 8, headDim: 64, layers: 6, seqLen: 1024 });
  // The dense heads' network: a rank-64 product of a 512×64 and a 64×512 factor (β, γ trivial).
  const net = m.layers[0]!.groups[1].networks![0];
  assert.deepEqual(net.cores.map((c) => c.shape), [
    [512, 1, 1, 64],
    [64, 1, 1, 512],
  ]);
});

test('block costs agree with the analysis: sequence blocks sum to score MACs, feature blocks to projections', () => {
  for (const name of Object.keys(fixtures)) {
    const { model: m, analysis } = model(name);
    m.layers[0]!.groups.forEach((g, i) => {
      const total = g.layout.levels.reduce((t, lv) => t + lv.blocks * lv.blockMacs, 0);
      if (g.layout.space === 'sequence') assert.equal(total, analysis.layers[0]!.groups[i].macs.scoresPerHead, `${name} group ${i}`);
      else assert.equal(total * g.heads, analysis.layers[0]!.groups[i].macs.projectionsPerToken, `${name} group ${i}`);
      assert.equal(g.scoreMacsPerHead, analysis.layers[0]!.groups[i].macs.scoresPerHead);
      assert.deepEqual(g.rank, analysis.layers[0]!.groups[i].rank);
    });
  }
});

test('per-layer structures: one diagram layer per distinct structure, with its blocks and groups', () => {
  const text = withAttention(headGroups, {
    pattern: [
      { kind: 'dense' },
      [
        { heads: 4, kind: 'mlr', ranks: [32, 32] },
        { heads: 4, kind: 'dense' },
      ],
      { kind: 'dense' },
    ],
  });
  const { spec } = validateText(text);
  assert.ok(spec);
  const m = diagramModel('file:///x/p.mlbtc.json', 'p.mlbtc.json', spec, analyze(spec));
  assert.deepEqual(
    m.layers.map((l) => [l.layers, l.groups.map((g) => [g.kind, g.heads, g.firstHead])]),
    [
      [[0, 2, 3, 5], [['dense', 8, 0]]],
      [[1, 4], [['mlr', 4, 0], ['dense', 4, 4]]],
    ],
  );
});
