/**
 * Matched-compute family sets (src/core/compare/matchedCompute.ts): every generated spec validates, its analysed
 * compute is within the tolerance of the budget, the families fit the task, and what cannot match is skipped with a
 * reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analysis';
import { trainingFlopsPerStep } from '../../src/core/analysis/flops';
import { compareFamilies, CompareError, DEFAULT_TOLERANCE, familyAttention, memberFileName } from '../../src/core/compare/matchedCompute';
import { validate } from '../../src/core/validate';

const lm = {
  name: 'lm',
  task: { kind: 'language-model', vocabSize: 96 },
  model: { width: 64, heads: 2, layers: 2, seqLen: 64 },
  attention: { kind: 'dense', qkDim: 8 },
  training: { steps: 100, batchSize: 8 },
  search: { space: { 'training.lr': { choice: [0.001] } } },
};
const icl = {
  name: 'icl',
  task: { kind: 'icl-regression', inputDim: 8 },
  model: { width: 64, heads: 4, layers: 2, seqLen: 32 },
  attention: { kind: 'dense' },
  training: { steps: 50, batchSize: 16 },
};

function resolved(value: unknown) {
  const r = validate(value);
  assert.ok(r.spec, JSON.stringify(r.problems.filter((p) => p.severity === 'error')));
  return r.spec;
}

describe('compareFamilies', () => {
  it('language model at a MACs-per-token budget: dense, mlr, sliding-window, global-local, each valid and within ±10%', () => {
    const budget = 200_000;
    const { members, skipped } = compareFamilies({ base: lm, budget, unit: 'macs' });
    assert.deepEqual(skipped, []);
    assert.deepEqual(
      members.map((m) => m.family),
      ['dense', 'mlr', 'sliding-window', 'global-local'],
    );
    for (const m of members) {
      const spec = resolved(m.value);
      const measured = analyze(spec).macs.perSequence / spec.model.seqLen;
      assert.equal(measured, m.measured);
      assert.ok(Math.abs(measured / budget - 1) <= DEFAULT_TOLERANCE, `${m.family}: ${measured}`);
      assert.equal(spec.model.width, 2 * m.headSize);
      assert.equal((m.value as { search?: unknown }).search, undefined, 'the search block is not copied');
      assert.equal(spec.task.kind, 'language-model');
    }
    // Dense takes the matching head rank: its query/key width is the head size, not the base's qkDim 8.
    const dense = resolved(members[0]!.value);
    assert.equal(analyze(dense).rank.scoring, members[0]!.headSize);
  });

  it('in-context regression at a training-FLOPs budget: the feature-space families, within a 5% tolerance', () => {
    const base = resolved(icl);
    const budget = 3 * trainingFlopsPerStep(base) * base.training.steps;
    const { members, skipped } = compareFamilies({ base: icl, budget, unit: 'flops', tolerance: 0.05 });
    assert.deepEqual(skipped, []);
    assert.deepEqual(
      members.map((m) => m.family),
      ['dense', 'bilinear-btt', 'bilinear-mlr'],
    );
    for (const m of members) {
      const spec = resolved(m.value);
      const flops = trainingFlopsPerStep(spec) * spec.training.steps;
      assert.ok(Math.abs(flops / budget - 1) <= 0.05, `${m.family}: ${flops} vs ${budget}`);
      assert.ok(spec.model.width > base.model.width, 'three times the compute needs a wider model');
    }
  });

  it('the nearest size is chosen: a larger or smaller head size is farther from the budget', () => {
    const budget = 150_000;
    const { members } = compareFamilies({ base: lm, budget, unit: 'macs', tolerance: 1 });
    for (const m of members) {
      for (const h of [m.headSize - 8, m.headSize + 8]) {
        const attention = familyAttention(m.family, h, 64);
        if (!attention || h < 1) continue;
        const r = validate({ ...m.value, model: { ...(m.value.model as object), width: 2 * h }, attention });
        if (!r.spec) continue;
        const other = analyze(r.spec).macs.perSequence / 64;
        assert.ok(Math.abs(Math.log(other / budget)) >= Math.abs(Math.log(m.measured / budget)), `${m.family} h ${h}`);
      }
    }
  });

  it('a budget below the smallest model skips every family with the distance in the reason', () => {
    const { members, skipped } = compareFamilies({ base: lm, budget: 10, unit: 'macs' });
    assert.equal(members.length, 0);
    assert.equal(skipped.length, 4);
    assert.match(skipped[0]!.reason, /head size 1\) has .* from the budget 10 \(tolerance ±10\.0%\)/);
  });

  it('refuses a non-positive budget and an invalid base, naming the problem', () => {
    assert.throws(
      () => compareFamilies({ base: lm, budget: 0, unit: 'flops' }),
      (e) => e instanceof CompareError && /positive number of training FLOPs/.test(e.message),
    );
    assert.throws(() => compareFamilies({ base: { ...lm, model: { ...lm.model, width: 63 } }, budget: 1e5, unit: 'macs' }), CompareError);
  });

  it('names each file after the base and the family', () => {
    const { members } = compareFamilies({ base: lm, budget: 200_000, unit: 'macs' });
    assert.deepEqual(members.map(memberFileName), [
      'lm-dense.mlbtc.json',
      'lm-mlr.mlbtc.json',
      'lm-sliding-window.mlbtc.json',
      'lm-global-local.mlbtc.json',
    ]);
  });
});
