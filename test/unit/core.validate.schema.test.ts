/**
 * The schema layer: one precise problem per mistake, exact paths, messages that say what would be right, and
 * fixes for near misses. Also: no input makes validate throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validate, type Problem } from '../../src/core/validate';
import { applyFix, icl, lm } from './validate.fixtures';

const only = (v: unknown): Problem => {
  const { problems } = validate(v);
  assert.equal(problems.length, 1, JSON.stringify(problems, null, 1));
  return problems[0]!;
};

describe('a valid spec', () => {
  it('has no problems and resolves with defaults filled', () => {
    const { problems, spec } = validate(lm({ kind: 'mlr', ranks: [32, 32] }));
    assert.deepEqual(problems, []);
    assert.ok(spec);
    assert.equal(spec.model.headDim, 64);
    assert.equal(spec.model.mlpRatio, 4);
    assert.deepEqual(spec.layers[0]!.groups[0]!.attention, { kind: 'mlr', ranks: [32, 32], blockSizes: [1024, 512], normalize: 'none', qkNorm: true });
    assert.equal(spec.training.warmupSteps, 100);
  });

  it('does not require properties that have defaults', () => {
    // mlpRatio, qkNorm, logitScale, noise, vocabSize all have defaults.
    assert.deepEqual(validate(icl()).problems, []);
  });
});

describe('kind dispatch', () => {
  it('names every family for an unknown kind and offers the near miss', () => {
    const p = only(lm({ kind: 'mrl', ranks: [32, 32] }));
    assert.equal(p.code, 'enum');
    assert.deepEqual(p.path, ['attention', 'kind']);
    assert.equal(p.message, 'attention.kind must be one of dense, sliding-window, global-local, mlr, bilinear-mlr, bilinear-btt, mlbtc (got "mrl"); did you mean "mlr"?');
    assert.deepEqual(p.fixes, [{ title: 'Change to "mlr"', path: ['attention', 'kind'], value: 'mlr' }]);
  });

  it('checks only the chosen family: no errors from other branches', () => {
    const p = only(lm({ kind: 'sliding-window' }));
    assert.equal(p.message, 'attention is missing required property "window" (Window w: query i sees keys j with 0 ≤ i − j ≤ w (w + 1 keys).)');
    assert.deepEqual(p.path, ['attention', 'window']);
  });

  it('guesses a missing kind when exactly one family has all the properties given', () => {
    const spec = lm({ ranks: [32, 32], blockSizes: [1024, 512] });
    const p = only(spec);
    assert.equal(p.code, 'required');
    assert.ok(p.message.includes('its properties fit mlr'), p.message);
    assert.deepEqual(p.fixes?.map((f) => f.value), ['mlr']);
    assert.deepEqual(validate(applyFix(spec, p.fixes![0]!)).problems, []);
  });

  it('does not guess between families that share the properties', () => {
    const p = only(lm({ ranks: [32, 32] }));
    assert.ok(p.message.includes('fit mlr or bilinear-mlr'), p.message);
    assert.equal(p.fixes, undefined);
  });

  it('dispatches tasks on kind too', () => {
    const p = only({ ...lm({ kind: 'dense' }), task: { kind: 'forcast', channels: 1, lookback: 4, horizon: 4 } });
    assert.deepEqual(p.path, ['task', 'kind']);
    assert.deepEqual(p.fixes?.map((f) => f.value), ['forecast']);
  });

  it('tells a head-group list from a single structure, and checks groups with their heads', () => {
    const p = only(lm([{ kind: 'dense' }, { heads: 2, kind: 'dense' }], { heads: 2 }));
    assert.deepEqual(p.path, ['attention', 0, 'heads']);
    assert.equal(p.message, 'attention[0] is missing required property "heads" (Heads in this group.)');
  });

  it('describes the accepted shapes when attention is neither', () => {
    const p = only(lm(5));
    assert.equal(p.code, 'type');
    assert.ok(p.message.startsWith('attention must be an object with "kind" one of dense, sliding-window'), p.message);
    assert.ok(p.message.endsWith(', a list of objects with "kind" one of dense, sliding-window, global-local, mlr, bilinear-mlr, bilinear-btt, mlbtc (at least 1 item) or an object with "pattern" (got 5)'), p.message);
  });
});

describe('unknown properties', () => {
  it('suggests the near miss and renames it in place; the misspelt required property is not also "missing"', () => {
    const spec = lm({ kind: 'mlr', rankz: [32, 32] });
    const p = only(spec);
    assert.equal(p.message, 'unknown property "rankz" in attention; did you mean "ranks"?');
    assert.deepEqual(p.path, ['attention', 'rankz']);
    assert.deepEqual(p.fixes![0]!.value, { kind: 'mlr', ranks: [32, 32] });
    // Key order is kept: the renamed key stays where the typo was.
    assert.deepEqual(Object.keys(p.fixes![0]!.value as object), ['kind', 'ranks']);
    assert.deepEqual(validate(applyFix(spec, p.fixes![0]!)).problems, []);
  });

  it('says which families own a property that this family lacks', () => {
    const p = only(lm({ kind: 'mlr', ranks: [32, 32], window: 64 }));
    assert.equal(p.message, 'unknown property "window" in attention: mlr attention has no "window" (sliding-window or global-local attention have one)');
  });

  it('lists the known properties when nothing is close', () => {
    const p = only(lm({ kind: 'dense' }, { colour: 'red' }));
    assert.equal(p.message, 'unknown property "colour" in model; the properties here are width, heads, headDim, layers, seqLen, mlpRatio');
    assert.equal(p.fixes, undefined);
  });

  it('at the top level', () => {
    const p = only({ ...lm({ kind: 'dense' }), trainig: {} });
    assert.equal(p.message, 'unknown property "trainig" in the spec; did you mean "training"?');
  });

  it('does not suggest a property that is already present', () => {
    const p = only(lm({ kind: 'dense' }, { head: 4 }));
    assert.ok(!p.message.includes('did you mean "heads"'), p.message);
  });
});

describe('types and ranges', () => {
  it('offers the bare number for a quoted one', () => {
    const spec = lm({ kind: 'dense' }, { heads: '4' });
    const p = only(spec);
    assert.equal(p.code, 'type');
    assert.equal(p.message, 'model.heads must be an integer from 1 to 65536 (got "4")');
    assert.deepEqual(p.fixes, [{ title: 'Use 4 without quotes', path: ['model', 'heads'], value: 4 }]);
    assert.deepEqual(validate(applyFix(spec, p.fixes![0]!)).problems, []);
  });

  it('offers no coercion when the bare value would still be wrong', () => {
    assert.equal(only(lm({ kind: 'dense' }, { heads: '0' })).fixes, undefined);
  });

  it('reports non-integers, zero, and sizes beyond the limits', () => {
    assert.equal(only(lm({ kind: 'dense' }, { layers: 2.5 })).message, 'model.layers must be an integer from 1 to 1024 (got 2.5)');
    assert.equal(only(lm({ kind: 'dense' }, { layers: 2.5 })).code, 'type');
    assert.equal(only(lm({ kind: 'dense' }, { layers: 0 })).code, 'range');
    assert.equal(only(lm({ kind: 'dense' }, { seqLen: 1e9 })).message, 'model.seqLen must be an integer from 1 to 1048576 (got 1000000000)');
    assert.equal(only({ ...lm({ kind: 'dense' }), training: { lr: 0 } }).message, 'training.lr must be a number > 0 (got 0)');
    assert.equal(only({ ...lm({ kind: 'dense' }), training: { beta2: 1 } }).message, 'training.beta2 must be a number ≥ 0 and < 1 (got 1)');
  });

  it('explains enums with both alternatives of a mixed union', () => {
    const p = only(lm({ kind: 'mlr', ranks: [32, 32], blockSizes: 'dyadc' }));
    assert.equal(p.message, 'attention.blockSizes must be "dyadic" or a list of integers ≥ 1 (1 to 16 items) (got "dyadc"); did you mean "dyadic"?');
    assert.deepEqual(p.fixes?.map((f) => f.value), ['dyadic']);
  });

  it('accepts null where the schema allows it', () => {
    assert.deepEqual(validate({ ...lm({ kind: 'dense' }), training: { gradClip: null } }).problems, []);
  });

  it('checks list lengths and pair shapes', () => {
    assert.equal(only(lm({ kind: 'mlr', ranks: [] })).message, 'attention.ranks must have 1 to 16 items (got 0)');
    const pair = only(lm({ kind: 'global-local', window: 8, split: [32, 16, 16] }));
    assert.equal(pair.message, 'attention.split must be a list of 2 integers ≥ 1 (got a list of 3 items)');
  });

  it('reports a bad item at its index and keeps checking the others', () => {
    const problems = validate(lm({ kind: 'mlr', ranks: [32, -1, 'x'] })).problems;
    assert.deepEqual(problems.map((p) => p.path), [['attention', 'ranks', 1], ['attention', 'ranks', 2]]);
  });

  it('picks the closest search-dimension shape', () => {
    const spec = lm({ kind: 'dense' }, {}, { search: { space: { 'training.lr': { logUnifrom: [1e-4, 1e-2] } } } });
    const p = validate(spec).problems.find((q) => q.code === 'type')!;
    assert.ok(p.message.startsWith('search.space["training.lr"] must be one of { choice }, { int, step? }, { logUniform }'), p.message);
    assert.ok(p.message.endsWith('did you mean "logUniform"?'), p.message);
    assert.deepEqual(validate(applyFix(spec, p.fixes![0]!)).problems, []);
    const partial = validate(lm({ kind: 'dense' }, {}, { search: { space: { 'model.layers': { int: [2, 'x'] } } } })).problems;
    assert.deepEqual(partial.map((q) => q.path), [['search', 'space', 'model.layers', 'int', 1]]);
  });
});

describe('robustness', () => {
  it('answers a problem for any root', () => {
    for (const v of [null, undefined, 0, NaN, Infinity, '', 'spec', true, [], [1, 2], () => 1, Symbol('s'), 10n]) {
      const { problems, spec } = validate(v);
      assert.equal(spec, undefined);
      assert.equal(problems.length, 1);
      assert.equal(problems[0]!.code, 'type');
      assert.ok(problems[0]!.message.startsWith('the spec must be an object (got '), problems[0]!.message);
    }
  });

  it('never follows prototype names', () => {
    for (const kind of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const p = validate(lm({ kind })).problems;
      assert.equal(p[0]!.code, 'enum', kind);
    }
    const withProtoKeys = JSON.parse('{"name":"x","__proto__":{"a":1},"constructor":1}');
    assert.ok(validate(withProtoKeys).problems.some((p) => p.code === 'unknown-property' && p.path[0] === 'constructor'));
  });

  it('survives cycles, deep nesting and huge values', () => {
    const cyclic: Record<string, unknown> = lm({ kind: 'dense' });
    cyclic.description = cyclic;
    (cyclic.model as Record<string, unknown>).extra = cyclic;
    assert.ok(validate(cyclic).problems.length >= 2);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    assert.ok(validate(lm(deep)).problems.length > 0);
    assert.ok(validate(lm({ kind: 'mlr', ranks: new Array(1_000_000).fill(1) })).problems.length > 0);
    assert.ok(validate(lm({ kind: 'dense' }, { width: Number.MAX_VALUE, heads: -Infinity })).problems.length > 0);
    assert.ok(validate(lm({ kind: 'x'.repeat(1_000_000) })).problems[0]!.message.length < 400);
  });

  it('caps the number of problems and says how many were left out', () => {
    const spec = { ...lm({ kind: 'dense' }), ...Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])) };
    const problems = validate(spec).problems;
    assert.equal(problems.length, 201);
    assert.equal(problems[200]!.code, 'too-many-problems');
    assert.equal(problems[200]!.message, '300 more problems are not listed; fix the ones above first.');
  });
});
