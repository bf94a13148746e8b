import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseTree } from 'jsonc-parser';
import { analyze } from '../../src/core/analysis';
import { validateText } from '../../src/core/validate';
import { lensItems, numbersTitle, rankText } from '../../src/extension/lens/lensModel';
import { bilinearMlr, headGroups, paperMlr, paperMlrNumbers } from '../fixtures/structures';

function lenses(text: string, canTrain = false) {
  const { spec, problems } = validateText(text);
  return lensItems({ root: parseTree(text), problems, spec, analysis: spec && analyze(spec), canTrain });
}

test('one structure: numbers, then Diagram and Trade-offs, all above the "attention" key (§3.4 numbers)', () => {
  // The paper's MLR without coverage normalisation: rank 808 of 1024, 40,321,024 score MACs per head (§3.4).
  const text = paperMlr;
  const items = lenses(text);
  const at = text.indexOf('"attention"');
  assert.ok(at > 0);
  assert.deepEqual(
    items.map((i) => [i.offset, i.action]),
    [
      [at, 'analyze'],
      [at, 'diagram'],
      [at, 'tradeoffs'],
    ],
  );
  assert.match(items[0].title, /^rank 808 \/ 1,024 · 40\.3 M score MACs\/head · 5\.03 M params$/);
  // The exact counts, derived in the fixture from §3.4 and the model's shapes, not by the analysis code.
  const fmt = (n: number) => n.toLocaleString('en-US');
  assert.match(items[0].tooltip, new RegExp(`rank of one head.*: ${paperMlrNumbers.rank} of 1,024\\. Score MACs of one head for one sequence: ${fmt(paperMlrNumbers.scoreMacsPerHead)}\\. Parameters in the model: ${fmt(paperMlrNumbers.params)}\\.`));
});

test('"▶ Train" shows only when the train command exists', () => {
  const withTrain = lenses(bilinearMlr, true).map((i) => i.title);
  assert.ok(withTrain.includes('▶ Train'));
  assert.ok(!lenses(bilinearMlr, false).some((i) => i.action === 'train'));
});

test('head groups: the model line above "attention", and one lens per group above its object', () => {
  const text = headGroups;
  const items = lenses(text);
  const at = text.indexOf('"attention"');
  const firstGroup = text.indexOf('{', at);
  const secondGroup = text.indexOf('{', text.indexOf('}', firstGroup));
  assert.deepEqual(items.filter((i) => i.offset === at).map((i) => i.action), ['analyze', 'tradeoffs']);
  assert.match(items[0].title, /^2 head groups · lowest rank 64 \/ 512 · 19\.5 M params$/);
  const g0 = items.filter((i) => i.offset === firstGroup);
  const g1 = items.filter((i) => i.offset === secondGroup);
  assert.deepEqual(g0.map((i) => [i.action, i.group]), [
    ['analyze', 0],
    ['diagram', 0],
  ]);
  assert.match(g0[0].title, /^heads 0–3 · mlr: rank 1,024 \/ 1,024 · 40\.3 M score MACs\/head · /);
  // Dense heads of 64 at T 1024: 1024²·64 = 67,108,864 score MACs per head.
  assert.match(g1[0].title, /^heads 4–7 · dense: rank 64 \/ 512 · 67\.1 M score MACs\/head · /);
  assert.equal(g1[1].group, 1);
});

test('an invalid file gets one lens naming the first problem and its line, instead of numbers', () => {
  const text = paperMlr.replace('[32, 8, 6, 4, 4, 4, 4, 2]', '[32, 8, 6, 4, 4, 4, 4, 3]');
  const items = lenses(text);
  assert.equal(items.length, 1);
  assert.equal(items[0].action, 'problems');
  const line = text.slice(0, text.indexOf('[32, 8, 6')).split('\n').length;
  assert.match(items[0].title, new RegExp(`^⚠ Line ${line}: `));
  assert.match(items[0].title, /64/, 'says what the ranks must sum to');
  assert.equal(items[0].offset, text.indexOf('"attention"'));
});

test('a file that does not parse still gets its lens at the top', () => {
  const items = lenses('{ "name": ');
  assert.equal(items.length, 1);
  assert.equal(items[0].offset, 0);
  assert.equal(items[0].action, 'problems');
});

test('rank text marks upper bounds and groups thousands', () => {
  assert.equal(rankText({ scoring: 1000, max: 1024, space: 'sequence' }), 'rank 1,000 / 1,024');
  assert.equal(rankText({ scoring: 10, max: 12, space: 'features', upperBound: true }), 'rank ≤ 10 / 12');
  assert.equal(numbersTitle({ scoring: 808, max: 1024, space: 'sequence' }, 40_321_024, 5_000_000), 'rank 808 / 1,024 · 40.3 M score MACs/head · 5.00 M params');
});

test('per-layer structures: the model line, then one lens per layer structure above the entry that defines it', () => {
  const text = readFileSync(path.join(__dirname, '..', '..', 'examples', 'paper', 'char-lm-sequential-gswa.mlbtc.json'), 'utf8');
  const items = lenses(text);
  const attention = text.indexOf('"attention"');
  const dense = text.indexOf('{ "kind": "dense"');
  const window = text.indexOf('{ "kind": "sliding-window"');
  assert.deepEqual(
    items.map((i) => [i.offset, i.action, i.layer, i.group]),
    [
      [attention, 'analyze', undefined, undefined],
      [attention, 'tradeoffs', undefined, undefined],
      [dense, 'analyze', 0, 0],
      [dense, 'diagram', 0, 0],
      [window, 'analyze', 1, 0],
      [window, 'diagram', 1, 0],
    ],
  );
  assert.match(items[0]!.title, /^2 layer structures · lowest rank 64 \/ 256 · 5\.03 M params$/);
  assert.match(items[2]!.title, /^layers 0, 3 · all 4 heads · dense: rank 64 \/ 256 · 67\.1 M score MACs\/head · 131 k scoring params$/);
  assert.match(items[4]!.title, /^layers 1–2, 4–5 · all 4 heads · sliding-window: /);
});
