/** What a palette run command does when no run was named: act on the only candidate, warn on none, pick among several. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptedItems, decidePick } from '../../src/extension/runs/pickDecision';

describe('the palette pickers of run commands', () => {
  it('say there is nothing to act on when no run is in the wanted states', () => {
    assert.deepEqual(decidePick([]), { kind: 'none' });
  });

  it('act on a single candidate directly, without a pick', () => {
    assert.deepEqual(decidePick(['a']), { kind: 'direct', item: 'a' });
  });

  it('offer a pick among several, in the order given', () => {
    assert.deepEqual(decidePick(['a', 'b']), { kind: 'pick', items: ['a', 'b'] });
  });

  it('take the ticked runs, else the highlighted one, else nothing (the caller warns)', () => {
    assert.deepEqual(acceptedItems(['a', 'c'], ['b']), ['a', 'c']);
    assert.deepEqual(acceptedItems([], ['b']), ['b']);
    assert.deepEqual(acceptedItems([], ['b', 'c']), ['b']);
    assert.deepEqual(acceptedItems([], []), []);
  });
});
