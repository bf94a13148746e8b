import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analysis';
import type { Analysis } from '../../src/core/analysis/types';
import { resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { analysisMarkdown, invalidMarkdown } from '../../src/extension/analysis/analysisMarkdown';

// A resolved spec from core and an Analysis with made-up, distinguishable numbers: this tests the presentation only.
const spec = resolveSpec({
  name: 'mix | groups',
  description: 'Two *kinds* of heads',
  task: { kind: 'language-model', vocabSize: 96 },
  model: { width: 128, heads: 4, layers: 2, seqLen: 64 },
  attention: [
    { heads: 2, kind: 'mlr', ranks: [16, 16] },
    { heads: 2, kind: 'dense' },
  ],
  training: { batchSize: 8 },
} as unknown as StructureSpec);

const analysis: Analysis = {
  params: {
    total: 1_234_567,
    outside: { embedding: 500_000, positions: 234_567, head: 100_000 },
  },
  macs: { perToken: 2_380_000, scoresPerHead: 131_072, avPerHead: 65_536, perSequence: 160_000_000 },
  rank: { scoring: 32, max: 64, space: 'sequence' },
  layers: [
    {
      layers: [0, 1],
      params: 200_000,
      components: { 'attention.scoring': 50_000, 'attention.value': 30_000, 'attention.output': 20_000, mlp: 99_000, norms: 1_000 },
      macs: { perToken: 190_000, scoresPerHead: 131_072, scoresAllHeads: 524_288, perSequence: 80_000_000 },
      rank: { scoring: 32, max: 64, space: 'sequence' },
      groups: [
        { group: 0, kind: 'mlr', heads: 2, rank: { scoring: 32, max: 64, space: 'sequence' }, scoringParams: 17_000, macs: { scoresPerHead: 100_000, avPerHead: 65_536, projectionsPerToken: 8_192 }, kvCacheBytesPerToken: 1_024 },
        { group: 1, kind: 'dense', heads: 2, rank: { scoring: 32, max: 64, space: 'sequence' }, scoringParams: 16_500, macs: { scoresPerHead: 162_144, avPerHead: 65_536, projectionsPerToken: 8_192 }, kvCacheBytesPerToken: 1_024 },
      ],
      activationBytesPerSequence: 1024 * 1024,
    },
  ],
  kvCacheBytesPerToken: 4_096,
  activationBytesPerSequence: 3 * 1024 * 1024,
};

const md = analysisMarkdown('mix.mlbtc.json', spec, analysis);
const rows = md.split('\n').filter((l) => l.startsWith('|'));
const row = (label: string) => rows.find((r) => r.startsWith(`| ${label} `) || r.startsWith(`| **${label}**`));

describe('analysis Markdown', () => {
  it('states the totals exactly and in short form', () => {
    assert.equal(row('Total'), '| **Total** | **1,234,567** | 1.23 M |');
    assert.equal(row('One layer'), '| One layer | 200,000 | × 2 layers = 400 k |');
    assert.equal(row('Outside the layers'), '| Outside the layers | 834,567 | 835 k |');
  });

  it('lists every per-layer component with its share of the layer', () => {
    for (const [k, v] of Object.entries(analysis.layers[0]!.components)) {
      const share = `${((v / analysis.layers[0]!.params) * 100).toFixed(1)} %`;
      assert.ok(rows.includes(`| \`${k}\` | ${v.toLocaleString('en-US')} | ${share} |`), `${k} row`);
    }
  });

  it('shows compute, rank bottleneck with its space, and one row per head group', () => {
    assert.ok(row('Per token, all layers and the output head')!.includes('2,380,000'));
    assert.ok(md.includes('Bottleneck over all heads: **32 / 64 (sequence)**'));
    assert.ok(md.includes('64×64 score matrix over positions'));
    assert.equal(row('1'), '| 1 | 2 | mlr | 32 / 64 (sequence) | 17,000 | 100 k | 65.5 k | 8.19 k | 1.00 KiB |');
    assert.ok(row('2')!.startsWith('| 2 | 2 | dense |'));
  });

  it('derives full-context KV cache and per-batch activations from the analysis and the spec', () => {
    assert.ok(row('KV cache for a full context (T = 64)')!.includes(`${(4096 * 64).toLocaleString('en-US')} | 256 KiB`));
    assert.ok(row('Activations per training batch (8 sequences)')!.includes('24.0 MiB'));
  });

  it('escapes text from the file so it cannot break the tables', () => {
    assert.ok(md.startsWith('# mix \\| groups: analysis'));
    assert.ok(md.includes('> Two \\*kinds\\* of heads'));
    // Every table row has as many cells as its header.
    for (const table of md.split('\n\n').filter((b) => b.startsWith('|'))) {
      const counts = table.split('\n').filter(Boolean).map((l) => l.split(/(?<!\\)\|/).length);
      assert.ok(counts.every((c) => c === counts[0]), table);
    }
  });
});

describe('invalid structure Markdown', () => {
  it('lists errors with 1-based positions and their codes, not warnings', () => {
    const text = invalidMarkdown('bad.mlbtc.json', [
      { code: 'ranks-sum', severity: 'error', message: 'ranks sum to 60; they must sum to headDim 64.', path: ['attention', 'ranks'], offset: 10, length: 5, line: 11, column: 13 },
      { code: 'window-large', severity: 'warning', message: 'window covers the sequence', path: ['attention', 'window'], offset: 0, length: 1, line: 2, column: 2 },
    ]);
    assert.ok(text.includes('- line 12, column 14 (attention.ranks): ranks sum to 60; they must sum to headDim 64. `[ranks-sum]`'));
    assert.ok(!text.includes('window covers'));
    assert.ok(text.includes('a problem to fix first'));
  });
});

describe('analysis Markdown of per-layer structures', () => {
  it('has one parameter row and one component table per layer structure, and a layers column for the groups', () => {
    const s = resolveSpec({
      name: 'gswa',
      task: { kind: 'language-model', vocabSize: 96 },
      model: { width: 64, heads: 2, layers: 3, seqLen: 32 },
      attention: { pattern: [{ kind: 'dense' }, { kind: 'sliding-window', window: 8 }, { kind: 'sliding-window', window: 8 }] },
    } as StructureSpec);
    const a = analyze(s);
    const text = analysisMarkdown('gswa.mlbtc.json', s, a);
    const lines = text.split('\n');
    assert.ok(lines.some((l) => l.startsWith(`| One layer of layers 0 (dense) | ${a.layers[0]!.params.toLocaleString('en-US')} | × 1 layers`)));
    assert.ok(lines.some((l) => l.startsWith('| One layer of layers 1–2 (sliding-window) |')));
    assert.ok(text.includes('### One layer of layers 1–2, by component'));
    assert.ok(text.includes('## Layers and head groups'));
    assert.ok(lines.some((l) => l.startsWith('| 1–2 | 1 | 2 | sliding-window |')));
    assert.ok(text.includes('Bottleneck over all heads of all layers'));
  });
});
