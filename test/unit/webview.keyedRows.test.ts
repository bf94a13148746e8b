/** Keyed rows in the panels' lists: rows keep their element across updates, and only misplaced ones move. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedRows, type RowParent } from '../../webview/shared/keyedRows';

/** A parent's child list with the two DOM operations KeyedRows uses; counts the moves (each one takes focus away). */
class FakeParent implements RowParent<FakeRow> {
  children: (FakeRow | string)[] = ['heading'];
  moves = 0;
  insertBefore(row: FakeRow, before: FakeRow | null): void {
    this.moves++;
    row.remove();
    const at = before ? this.children.indexOf(before) : this.children.length;
    this.children.splice(at, 0, row);
    row.parent = this;
  }
}

class FakeRow {
  parent: FakeParent | null = null;
  text = '';
  constructor(readonly key: string) {}
  get parentNode(): FakeParent | null {
    return this.parent;
  }
  get nextSibling(): FakeRow | string | null {
    const siblings = this.parent?.children ?? [];
    return siblings[siblings.indexOf(this) + 1] ?? null;
  }
  remove(): void {
    if (!this.parent) return;
    this.parent.children.splice(this.parent.children.indexOf(this), 1);
    this.parent = null;
  }
}

interface Item {
  id: string;
  state: string;
}

function list() {
  const parent = new FakeParent();
  const created: string[] = [];
  const rows = new KeyedRows<Item, FakeRow>(
    parent,
    (item) => item.id,
    (item) => {
      created.push(item.id);
      return new FakeRow(item.id);
    },
    (row, item, index) => {
      row.text = `${index}: ${item.state}`;
    },
  );
  const shown = () => parent.children.map((c) => (typeof c === 'string' ? c : `${c.key} (${c.text})`));
  return { parent, created, rows, shown };
}

describe('keyed rows', () => {
  it('create one row per item after the heading, in item order, and update each', () => {
    const { rows, shown, created } = list();
    rows.sync([
      { id: 'a', state: 'running' },
      { id: 'b', state: 'queued' },
    ]);
    assert.deepEqual(shown(), ['heading', 'a (0: running)', 'b (1: queued)']);
    assert.deepEqual(created, ['a', 'b']);
  });

  it('keep each row (and the control in it) while its item stays, moving none that is in place', () => {
    const { parent, rows, shown, created } = list();
    rows.sync([
      { id: 'a', state: 'running' },
      { id: 'b', state: 'running' },
      { id: 'c', state: 'queued' },
    ]);
    const before = new Map(rows.entries());
    parent.moves = 0;
    rows.sync([
      { id: 'a', state: 'completed' },
      { id: 'b', state: 'running' },
      { id: 'c', state: 'running' },
    ]);
    assert.deepEqual(shown(), ['heading', 'a (0: completed)', 'b (1: running)', 'c (2: running)']);
    assert.equal(parent.moves, 0, 'no row moved: focus and a click in flight stay where they are');
    for (const [key, row] of rows.entries()) assert.equal(row, before.get(key), `row ${key} is the same element`);
    assert.deepEqual(created, ['a', 'b', 'c']);
  });

  it('remove the rows of items that went, add new ones where they belong, and follow a new order', () => {
    const { rows, shown, created } = list();
    rows.sync(['a', 'b', 'c', 'd'].map((id) => ({ id, state: 's' })));
    const c = new Map(rows.entries()).get('c');
    rows.sync(['d', 'c', 'e', 'a'].map((id) => ({ id, state: 't' })));
    assert.deepEqual(shown(), ['heading', 'd (0: t)', 'c (1: t)', 'e (2: t)', 'a (3: t)']);
    assert.equal(new Map(rows.entries()).get('c'), c);
    assert.deepEqual(created, ['a', 'b', 'c', 'd', 'e']);
    rows.sync([]);
    assert.deepEqual(shown(), ['heading']);
  });
});
