/** Where the structure hover shows inside a spec: the attention key and a structure's kind only. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTree } from 'jsonc-parser';
import { hoverTarget } from '../../src/extension/lens/hoverTarget';

const at = (text: string, needle: string, shift = 1) => text.indexOf(needle) + shift;

describe('the structure hover', () => {
  const single = '{ "name": "x", "attention": { "kind": "mlr", "ranks": [8, 8] } }';
  const groups = '{ "attention": [ { "heads": 2, "kind": "dense" }, { "heads": 2, "kind": "mlr", "ranks": [16] } ] }';

  it('shows every group on the attention key', () => {
    const root = parseTree(single);
    const target = hoverTarget(root, at(single, '"attention"'));
    assert.deepEqual(target, {
      groups: 'all',
      start: single.indexOf('"attention"'),
      end: single.indexOf('"attention"') + '"attention"'.length,
    });
    assert.equal(hoverTarget(parseTree(groups), at(groups, '"attention"'))?.groups, 'all');
  });

  it('shows a structure on its kind, key or value; the group it belongs to in a list', () => {
    assert.equal(hoverTarget(parseTree(single), at(single, '"mlr"'))?.groups, 'all');
    assert.equal(hoverTarget(parseTree(single), at(single, '"kind"'))?.groups, 'all');
    assert.equal(hoverTarget(parseTree(groups), at(groups, '"mlr"'))?.groups, 1);
    assert.equal(hoverTarget(parseTree(groups), at(groups, '"dense"'))?.groups, 0);
  });

  it('leaves every other field to its documentation, and says nothing outside attention', () => {
    assert.equal(hoverTarget(parseTree(single), at(single, '"ranks"')), undefined);
    assert.equal(hoverTarget(parseTree(groups), at(groups, '"heads"')), undefined);
    assert.equal(hoverTarget(parseTree(single), at(single, '"name"')), undefined);
    assert.equal(hoverTarget(undefined, 0), undefined);
  });

  it('inside a per-layer pattern: the entry of the kind, and its group in a head-group entry', () => {
    const pattern =
      '{ "attention": { "pattern": [ { "kind": "dense" }, [ { "heads": 1, "kind": "sliding-window", "window": 4 }, { "heads": 1, "kind": "mlr" } ] ] } }';
    const root = parseTree(pattern);
    assert.deepEqual(hoverTarget(root, at(pattern, '"dense"')), {
      entry: 0,
      groups: 'all',
      start: pattern.indexOf('"kind"'),
      end: pattern.indexOf('"dense"') + 7,
    });
    assert.equal(hoverTarget(root, at(pattern, '"mlr"'))?.entry, 1);
    assert.equal(hoverTarget(root, at(pattern, '"mlr"'))?.groups, 1);
    assert.equal(hoverTarget(root, at(pattern, '"attention"'))?.entry, undefined);
    assert.equal(hoverTarget(root, at(pattern, '"window"')), undefined);
    assert.equal(hoverTarget(root, at(pattern, '"pattern"')), undefined);
  });
});
