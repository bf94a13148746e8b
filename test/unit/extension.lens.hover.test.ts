import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze } from '../../src/core/analysis';
import { scoringLayout } from '../../src/core/layout/scoring';
import { resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { blockSvg, hoverPalettes, svgDataUri } from '../../src/extension/lens/blockSvg';
import { groupHoverMarkdown } from '../../src/extension/lens/hoverMarkdown';

const spec = (attention: unknown, model: Partial<StructureSpec['model']>) =>
  resolveSpec({ name: 't', task: { kind: 'language-model', vocabSize: 65 }, model: { width: 16, heads: 4, layers: 1, seqLen: 16, ...model }, attention } as StructureSpec);

const blocks = (svg: string) => [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="[\d.]+" fill="#1a85ff"/g)].map((m) => m.slice(1).map(Number));

test('the hover picture of MLR T=16, 3 dyadic levels has 1 + 2 + 4 blocks where the levels put them', () => {
  const s = spec({ kind: 'mlr', ranks: [2, 1, 1] }, {});
  const svg = blockSvg(scoringLayout(s.layers[0]!.groups[0], s.model), hoverPalettes.light, 160);
  // 160 px for 16 tokens: 10 px per token.
  assert.deepEqual(blocks(svg), [
    [0, 0, 160],
    [0, 0, 80],
    [80, 80, 80],
    [0, 0, 40],
    [40, 40, 40],
    [80, 80, 40],
    [120, 120, 40],
  ]);
  assert.match(svg, /<path d="M0,0L160,0L160,160Z"/, 'causal mask over the upper triangle');
});

test('feature-space pictures have no causal mask; high contrast borders every block', () => {
  const s = spec({ kind: 'bilinear-mlr', ranks: [2, 1, 1] }, {});
  const svg = blockSvg(scoringLayout(s.layers[0]!.groups[0], s.model), hoverPalettes['high-contrast'], 160);
  assert.doesNotMatch(svg, /L160,0L160,160Z/);
  assert.equal([...svg.matchAll(/stroke="#ffffff" stroke-width="0.5"/g)].length, 7);
});

test('a level of sub-pixel blocks is drawn as one band, not thousands of rectangles', () => {
  const s = spec({ kind: 'mlr', ranks: [1, 1], blockSizes: [4096, 2] }, { width: 8, seqLen: 4096 });
  const svg = blockSvg(scoringLayout(s.layers[0]!.groups[0], s.model), hoverPalettes.dark, 140);
  assert.equal(blocks(svg).length, 0);
  assert.equal((svg.match(/<rect /g) ?? []).length, 3, 'background, the global block, the frame');
  assert.ok(svg.length < 2000);
});

test('the data URI is base64 of the SVG (no spaces to break the Markdown link)', () => {
  const uri = svgDataUri('<svg xmlns="http://www.w3.org/2000/svg"/>');
  assert.match(uri, /^data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+$/);
  assert.equal(Buffer.from(uri.split(',')[1], 'base64').toString(), '<svg xmlns="http://www.w3.org/2000/svg"/>');
});

test('the hover Markdown has the picture, the numbers and one table row per level', () => {
  const s = spec({ kind: 'mlr', ranks: [2, 1, 1] }, {});
  const md = groupHoverMarkdown(s, analyze(s).layers[0]!, 0, hoverPalettes.light);
  assert.match(md, /^\*\*all 4 heads · mlr\*\*: scoring matrix, T×T logits \(T = 16\), 3 levels/);
  assert.match(md, /!\[block structure of the scoring matrix of all 4 heads · mlr\]\(data:image\/svg\+xml;base64,/);
  // Rank min(16, 1·2 + 2·1 + 4·1) = 8 (§3.4).
  assert.match(md, /rank 8 \/ 16 · /);
  assert.deepEqual(md.split('\n').filter((l) => /^\| \d/.test(l)), ['| 0 | 1 | 16 | 2 | 512 |', '| 1 | 2 | 8 | 1 | 64 |', '| 2 | 4 | 4 | 1 | 16 |']);
});
