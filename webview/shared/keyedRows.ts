/**
 * Rows keyed by id in a container, updated in place. A row, and the controls in it, keep their element for as long as
 * their item stays, so keyboard focus, a click in flight and a control's own state survive the host's updates.
 * Rebuilding the list on each update re-created every control whenever one run's state changed: the control under
 * the pointer or the keyboard focus was replaced mid-interaction.
 *
 * Only the DOM calls it needs are named, so the order logic is tested without a browser.
 */
export interface RowNode {
  readonly parentNode: unknown;
  readonly nextSibling: unknown;
  remove(): void;
}

export interface RowParent<Row> {
  insertBefore(row: Row, before: Row | null): unknown;
}

export class KeyedRows<Item, Row extends RowNode = HTMLElement> {
  private readonly rows = new Map<string, Row>();

  /** Rows go after whatever the parent holds before them (a heading), in item order; keys are unique. */
  constructor(
    private readonly parent: RowParent<Row>,
    private readonly key: (item: Item) => string,
    private readonly create: (item: Item) => Row,
    private readonly update: (row: Row, item: Item, index: number) => void,
  ) {}

  /** Make the rows match `items`: new ones created, gone ones removed, each updated, none moved that is in place. */
  sync(items: readonly Item[]): void {
    const keys = new Set(items.map(this.key));
    for (const [key, row] of this.rows) {
      if (keys.has(key)) continue;
      row.remove();
      this.rows.delete(key);
    }
    const ordered = items.map((item) => {
      const key = this.key(item);
      let row = this.rows.get(key);
      if (!row) {
        row = this.create(item);
        this.rows.set(key, row);
      }
      return row;
    });
    // From the last item back, each row must sit right before the one placed after it. A row already there is left
    // alone: moving an element, even to where it is, takes its focus away.
    let next: Row | null = null;
    for (let i = ordered.length - 1; i >= 0; i--) {
      const row = ordered[i]!;
      if (row.parentNode !== this.parent || row.nextSibling !== next) this.parent.insertBefore(row, next);
      this.update(row, items[i]!, i);
      next = row;
    }
  }

  /** The rows with their keys, in no particular order. */
  entries(): IterableIterator<[string, Row]> {
    return this.rows.entries();
  }
}
