import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dominates, paretoFront, type ParetoGoals } from '../../src/core/pareto';
import { Rng } from '../../src/core/random';

/** The definition, O(n²): a point is on the front iff no other point dominates it. */
function bruteForce(points: [number, number][], goals: ParetoGoals): number[] {
  return points.map((_, i) => i).filter((i) => points.every((q, j) => j === i || !dominates(q, points[i], goals)));
}

test('minimise compute, maximise rank: a worked example', () => {
  // [MACs, rank]
  const pts: [number, number][] = [
    [10, 64], // front: cheapest
    [20, 64], // dominated by [10, 64]
    [30, 808], // front
    [30, 500], // dominated (same compute, less rank)
    [50, 1024], // front
    [60, 1024], // dominated
  ];
  assert.deepEqual(paretoFront(pts, { x: 'min', y: 'max' }), [0, 2, 4]);
});

test('agrees with the definition on random points with ties, for every goal pair', () => {
  const rng = new Rng(11);
  for (const goals of [
    { x: 'min', y: 'max' },
    { x: 'min', y: 'min' },
    { x: 'max', y: 'min' },
    { x: 'max', y: 'max' },
  ] as ParetoGoals[]) {
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + rng.int(60);
      // Small integer grids force many ties and duplicates.
      const pts = Array.from({ length: n }, () => [rng.int(8), rng.int(8)] as [number, number]);
      assert.deepEqual(
        [...paretoFront(pts, goals)].sort((a, b) => a - b),
        bruteForce(pts, goals),
        JSON.stringify({ goals, pts }),
      );
    }
  }
});

test('front is ordered from the best x, and non-finite points are never on it', () => {
  const pts: [number, number][] = [
    [5, 5],
    [1, 1],
    [Number.NaN, 100],
    [3, 3],
  ];
  assert.deepEqual(paretoFront(pts, { x: 'min', y: 'max' }), [1, 3, 0]);
});
