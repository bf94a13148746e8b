/**
 * What a run command does when it was given no run (the command palette): the decision, without VS Code, so that
 * every case is unit-tested. The tree, CodeLens and tests name their runs and never get here.
 *
 * - no candidate: say so (nothing to stop, nothing to resume), naming the states looked for;
 * - one candidate: act on it directly, as the tree's inline button would (a pick of one is a silent extra Enter);
 * - several: let the user pick. Accepting with nothing ticked in a multi-select acts on the highlighted row
 *   (what Enter means everywhere else), and only a pick with neither is refused with a warning.
 */

export type PickDecision<T> = { kind: 'none' } | { kind: 'direct'; item: T } | { kind: 'pick'; items: readonly T[] };

export function decidePick<T>(candidates: readonly T[]): PickDecision<T> {
  if (!candidates.length) return { kind: 'none' };
  if (candidates.length === 1) return { kind: 'direct', item: candidates[0]! };
  return { kind: 'pick', items: candidates };
}

/** The items an accepted multi-select pick acts on: the ticked ones, else the highlighted one; empty: warn. */
export function acceptedItems<T>(selected: readonly T[], active: readonly T[]): T[] {
  return selected.length ? [...selected] : active.slice(0, 1);
}
