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
    assert.deepEqual(target, { groups: 'all', start: single.indexOf('"attention"'), end: single.indexOf('"attention"') + '"attention"'.length });
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
});
