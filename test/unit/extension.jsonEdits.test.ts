import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'jsonc-parser';
import { applyEdits } from 'jsonc-parser';
import type { Fix } from '../../src/core/validate';
import { detectFormatting, fixEdits } from '../../src/extension/json/jsonEdits';

/** The text after applying a fix's edits. */
const applyFix = (text: string, fix: Fix): string => applyEdits(text, fixEdits(text, fix));
import { inlineJson, prettyJson } from '../../src/extension/json/jsonText';

const doc = [
  '{',
  '  "name": "lm",',
  '  "model": { "width": 256, "heads": 4, "layers": 6, "seqLen": 1024 },',
  '  "attention": {',
  '    "kind": "mlr",',
  '    "ranks": [32, 8, 6, 4, 4, 4, 4, 4]',
  '  }',
  '}',
  '',
].join('\n');

describe('fixEdits: minimal edits for a validation fix', () => {
  it('changes only the differing element when the whole array is given', () => {
    const edits = fixEdits(doc, { title: 'last rank 2', path: ['attention', 'ranks'], value: [32, 8, 6, 4, 4, 4, 4, 2] });
    assert.equal(edits.length, 1);
    assert.equal(edits[0]!.content, '2');
    assert.equal(doc.slice(edits[0]!.offset, edits[0]!.offset + edits[0]!.length), '4');
    assert.equal(edits[0]!.offset, doc.lastIndexOf('4]'));
  });

  it('replaces one element addressed by index, leaving every other character', () => {
    const out = applyFix(doc, { title: 'x', path: ['attention', 'ranks', 7], value: 2 });
    assert.equal(out, doc.replace('4, 4, 4, 4]', '4, 4, 4, 2]'));
  });

  it('keeps a one-line array on one line when its length changes', () => {
    const out = applyFix(doc, { title: 'x', path: ['attention', 'ranks'], value: [32, 32] });
    assert.equal(out, doc.replace('[32, 8, 6, 4, 4, 4, 4, 4]', '[32, 32]'));
  });

  it('inserts a missing property into a one-line object and the result parses to the fixed value', () => {
    const out = applyFix(doc, { title: 'x', path: ['model', 'headDim'], value: 64 });
    assert.deepEqual(parse(out).model, { width: 256, heads: 4, layers: 6, seqLen: 1024, headDim: 64 });
    // Lines outside the model object are untouched.
    const before = doc.split('\n');
    const after = out.split('\n');
    assert.deepEqual(
      after.filter((_, i) => i !== 2),
      before.filter((_, i) => i !== 2),
    );
  });

  it('reformats a multi-line value that changes shape with the document indentation', () => {
    const text = '{\n\t"attention": {\n\t\t"ranks": [\n\t\t\t8,\n\t\t\t8\n\t\t]\n\t}\n}\n';
    const out = applyFix(text, { title: 'x', path: ['attention', 'ranks'], value: [4, 4, 4, 4] });
    assert.deepEqual(parse(out), { attention: { ranks: [4, 4, 4, 4] } });
    assert.ok(out.includes('\n\t\t\t4,\n'), `tabs kept: ${JSON.stringify(out)}`);
    assert.ok(!/^ +/m.test(out), 'no space indentation introduced');
  });

  it('descends into objects of the same keys and rewrites only changed leaves', () => {
    const out = applyFix(doc, { title: 'x', path: ['model'], value: { width: 256, heads: 4, layers: 6, seqLen: 512 } });
    assert.equal(out, doc.replace('"seqLen": 1024', '"seqLen": 512'));
  });

  it('returns no edit when the value is already there', () => {
    assert.deepEqual(fixEdits(doc, { title: 'x', path: ['attention', 'kind'], value: 'mlr' }), []);
  });

  it('replaces a string value with its JSON form', () => {
    const out = applyFix(doc, { title: 'x', path: ['attention', 'kind'], value: 'bilinear-mlr' });
    assert.equal(out, doc.replace('"kind": "mlr"', '"kind": "bilinear-mlr"'));
  });
});

describe('inlineJson, prettyJson and detectFormatting', () => {
  it('writes nested values on one line with conventional spacing', () => {
    assert.equal(inlineJson({ a: [1, 2], b: { c: null }, d: {} }), '{ "a": [1, 2], "b": { "c": null }, "d": {} }');
    assert.equal(inlineJson('x"y'), '"x\\"y"');
  });

  it('lays out objects across lines but keeps scalar lists on one line', () => {
    const value = { name: 'x', attention: { ranks: [8, 8], levels: [{ blocks: 1 }] }, training: {} };
    const expected =
      '{\n  "name": "x",\n  "attention": {\n    "ranks": [8, 8],\n    "levels": [\n      {\n        "blocks": 1\n      }\n    ]\n  },\n  "training": {}\n}\n';
    assert.equal(prettyJson(value), expected);
    assert.deepEqual(parse(prettyJson(value)), value);
  });

  it('reads tabs, space width and CRLF from the text', () => {
    assert.deepEqual(detectFormatting('{\r\n    "a": 1\r\n}'), { insertSpaces: true, tabSize: 4, eol: '\r\n' });
    assert.deepEqual(detectFormatting('{\n\t"a": 1\n}'), { insertSpaces: false, tabSize: 4, eol: '\n' });
    assert.deepEqual(detectFormatting('{"a": 1}'), { insertSpaces: true, tabSize: 2, eol: '\n' });
  });
});

describe('fixEdits: inserting absent values', () => {
  it('creates missing intermediate objects inside a multi-line parent, formatted like the document', () => {
    const out = applyFix(doc, { title: 'x', path: ['training', 'steps'], value: 200 });
    assert.deepEqual(parse(out).training, { steps: 200 });
    assert.ok(out.includes('\n  "training": {\n    "steps": 200\n  }'), JSON.stringify(out));
  });

  it('fills an empty one-line object', () => {
    const out = applyFix('{ "model": {} }', { title: 'x', path: ['model', 'headDim'], value: 32 });
    assert.equal(out, '{ "model": { "headDim": 32 } }');
  });
});
