/**
 * Pareto fronts of two objectives, each minimised or maximised: the points no other point beats on one objective
 * without losing on the other. Used for compute against rank (more rank for less compute) and compute against
 * loss (less of both).
 */

export type Goal = 'min' | 'max';

export interface ParetoGoals {
  x: Goal;
  y: Goal;
}

/** True when a is at least as good as b on both objectives and strictly better on one. */
export function dominates(a: readonly [number, number], b: readonly [number, number], goals: ParetoGoals): boolean {
  const better = (u: number, v: number, g: Goal) => (g === 'min' ? u < v : u > v);
  const noWorse = (u: number, v: number, g: Goal) => (g === 'min' ? u <= v : u >= v);
  return noWorse(a[0], b[0], goals.x) && noWorse(a[1], b[1], goals.y) && (better(a[0], b[0], goals.x) || better(a[1], b[1], goals.y));
}

/**
 * Indices of the non-dominated points, ordered from the best x to the worst. Points with a non-finite coordinate
 * are never on the front. Identical points do not dominate each other, so duplicates are all kept.
 * O(n log n): sort by x (best first, ties by best y), then sweep keeping the best y seen.
 */
export function paretoFront(points: ReadonlyArray<readonly [number, number]>, goals: ParetoGoals): number[] {
  const sx = goals.x === 'min' ? 1 : -1;
  const sy = goals.y === 'min' ? 1 : -1;
  const order = points
    .map((_, i) => i)
    .filter((i) => Number.isFinite(points[i][0]) && Number.isFinite(points[i][1]))
    .sort((i, j) => sx * (points[i][0] - points[j][0]) || sy * (points[i][1] - points[j][1]));

  const front: number[] = [];
  // In sign-normalised terms (both minimised) a point is on the front iff its y is below every y seen at a
  // strictly better x, and not worse than the best y at its own x.
  let bestY = Number.POSITIVE_INFINITY;
  let k = 0;
  while (k < order.length) {
    // One group of equal x: its best y is the first (sorted); members equal to it are on the front too.
    const x = points[order[k]][0];
    const groupBest = sy * points[order[k]][1];
    let end = k;
    while (end < order.length && points[order[end]][0] === x) end++;
    if (groupBest < bestY) {
      for (let m = k; m < end && sy * points[order[m]][1] === groupBest; m++) front.push(order[m]);
      bestY = groupBest;
    }
    k = end;
  }
  return front;
}
