/**
 * validateText: strict JSON with readable syntax errors, and every problem placed on the text of the offending
 * value (or key), with zero-based line/column computed independently here from the text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateText, type LocatedProblem } from '../../src/core/validate';
import { lm } from './validate.fixtures';

const pretty = (v: unknown) => JSON.stringify(v, null, 2);
const spanOf = (text: string, p: LocatedProblem) => text.slice(p.offset, p.offset + p.length);

/** Line and column of an offset, counted by hand from the text (\n, \r\n and \r all end a line). */
function lineCol(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split(/\r\n|\r|\n/);
  return { line: lines.length - 1, column: lines[lines.length - 1]!.length };
}

const one = (text: string, code?: string): LocatedProblem => {
  const problems = validateText(text).problems.filter((p) => code === undefined || p.code === code);
  assert.equal(problems.length, 1, JSON.stringify(problems, null, 1));
  return problems[0]!;
};

describe('locating problems', () => {
  it('puts a value problem on exactly that value', () => {
    const text = pretty(lm({ kind: 'mlr', ranks: [32, 8, 6, 4, 4, 4, 4, 4] }));
    const p = one(text);
    assert.equal(p.code, 'ranks-sum');
    assert.equal(spanOf(text, p), text.slice(text.indexOf('[\n      32'), text.indexOf(']', text.indexOf('[\n      32')) + 1));
    assert.deepEqual({ line: p.line, column: p.column }, lineCol(text, p.offset));
  });

  it('puts an item problem on the item', () => {
    const text =
      '{"name":"x","task":{"kind":"language-model"},"model":{"width":256,"heads":4,"layers":2,"seqLen":1024},"attention":{"kind":"mlr","ranks":[32,32],"blockSizes":[1024,500]}}';
    const p = one(text);
    assert.equal(p.code, 'block-divides-seqlen');
    assert.equal(spanOf(text, p), '500');
    assert.equal(p.offset, text.indexOf('500'));
    assert.deepEqual([p.line, p.column], [0, text.indexOf('500')]);
  });

  it('puts an unknown property on its key, not its value', () => {
    const text = pretty(lm({ kind: 'dense', rankz: [1, 2] }));
    const p = one(text);
    assert.equal(spanOf(text, p), '"rankz"');
  });

  it('puts a missing property on the key of the object that lacks it', () => {
    const text = pretty({ ...lm({ kind: 'dense' }), model: { width: 256, heads: 4, seqLen: 1024 } });
    const p = one(text);
    assert.equal(p.code, 'required');
    assert.deepEqual(p.path, ['model', 'layers']);
    assert.equal(spanOf(text, p), '"model"');
  });

  it('puts a missing top-level property on the opening brace, not the whole file', () => {
    const spec = lm({ kind: 'dense' });
    delete spec.name;
    const text = `\n\n  ${JSON.stringify(spec)}`;
    const p = one(text);
    assert.equal(spanOf(text, p), '{');
    assert.deepEqual([p.line, p.column], [2, 2]);
  });

  it('puts a missing property of a list item on the item', () => {
    const text = pretty(lm([{ kind: 'dense' }, { heads: 2, kind: 'dense' }], { heads: 2 }));
    const p = one(text);
    assert.deepEqual(p.path, ['attention', 0, 'heads']);
    assert.equal(spanOf(text, p), '{\n      "kind": "dense"\n    }');
  });

  it('counts lines and columns across \\r\\n and \\r line ends', () => {
    const base = pretty(lm({ kind: 'mrl' }));
    for (const eol of ['\r\n', '\r']) {
      const text = base.replace(/\n/g, eol);
      const p = one(text);
      assert.equal(spanOf(text, p), '"mrl"');
      assert.deepEqual({ line: p.line, column: p.column }, lineCol(text, p.offset));
    }
  });

  it('treats a byte-order mark as whitespace without shifting offsets', () => {
    const text = `\ufeff${pretty(lm({ kind: 'mrl' }))}`;
    const p = one(text);
    assert.equal(spanOf(text, p), '"mrl"');
  });

  it('sorts problems by position and returns a spec only without errors', () => {
    const text = pretty(lm({ kind: 'mlr', ranks: [32, 32, 'x'] }, { heads: '4' }));
    const { problems, spec } = validateText(text);
    assert.equal(spec, undefined);
    assert.deepEqual(
      problems.map((p) => p.offset),
      [...problems.map((p) => p.offset)].sort((a, b) => a - b),
    );
    const ok = validateText(pretty(lm({ kind: 'sliding-window', window: 5000 })));
    assert.equal(ok.problems.length, 1);
    assert.equal(ok.problems[0]!.severity, 'warning');
    assert.ok(ok.spec);
  });
});

describe('syntax', () => {
  const cases: [string, string, string][] = [
    ['', 'the file is empty; a spec is a JSON object with name, task, model and attention', ''],
    ['  \n ', 'the file is empty; a spec is a JSON object with name, task, model and attention', ''],
    ['{"name": "x",}', 'trailing comma before "}": JSON allows no comma after the last property', '}'],
    ['{"ranks": [1, 2,]}', 'trailing comma before "]": JSON allows no comma after the last item', ']'],
    ['// note\n{}', 'comments are not allowed: *.mlbtc.json files are strict JSON (put notes in "description")', '// note'],
    ['{"name" "x"}', 'expected ":" after the property name', '"x"'],
    ['{"a": 1 "b": 2}', 'expected "," between items', '"b"'],
    ['{"name": "x}', 'unterminated string: the closing double quote is missing', '"x}'],
    ['{"a": 1}}', 'unexpected text after the end of the JSON document', '}'],
    ['{name: 1}', 'unexpected "name"; expected a JSON value (an object, list, string, number, true, false or null)', 'name'],
  ];
  for (const [text, message, span] of cases) {
    it(JSON.stringify(text), () => {
      const { problems, spec } = validateText(text);
      assert.equal(spec, undefined);
      const p = problems[0]!;
      assert.equal(p.code, 'syntax');
      assert.equal(p.message, message);
      assert.equal(text.slice(p.offset, p.offset + p.length).slice(0, span.length), span);
    });
  }

  it('reports only syntax errors when the text does not parse, one per position', () => {
    const text = pretty(lm({ kind: 'dense' })).replace('"layers": 2,', '"layers": 2,,');
    const { problems } = validateText(text);
    assert.ok(problems.length >= 1);
    assert.ok(problems.every((p) => p.code === 'syntax'));
    assert.equal(new Set(problems.map((p) => p.offset)).size, problems.length);
    // The error sits where a property name should be, inside model.
    assert.deepEqual(problems[0]!.path, ['model']);
  });
});

describe('duplicate keys', () => {
  it('flags the ignored occurrence and validates the kept one', () => {
    const text =
      '{\n  "name": "x",\n  "task": {"kind": "language-model"},\n  "model": {"width": 256, "heads": 4, "layers": 2, "seqLen": 1024},\n  "attention": {"kind": "mlr", "ranks": [32, 32], "ranks": [32, 16]}\n}';
    const { problems, spec } = validateText(text);
    assert.equal(spec, undefined);
    const dup = problems.find((p) => p.code === 'duplicate-key')!;
    assert.equal(dup.offset, text.indexOf('"ranks"'));
    assert.equal(
      dup.message,
      'duplicate property "ranks" in attention; JSON ignores this one and keeps the one on line 5; remove one of them',
    );
    // The rule error is about the last occurrence (the one JSON keeps), and is placed there.
    const sum = problems.find((p) => p.code === 'ranks-sum')!;
    assert.equal(spanOf(text, sum), '[32, 16]');
  });
});
