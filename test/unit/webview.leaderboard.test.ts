/** The search view's leaderboard order and cells, and its parallel coordinates' axes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SearchTrialRow } from '../../src/protocol/webview';
import { formatCompute, formatObjective, sortTrials } from '../../webview/search/leaderboard';
import { axisKind } from '../../webview/search/parallel';

const row = (
  trial: number,
  objective: number | null,
  flops: number | null,
  state = 'completed',
  params = `lr ${trial}`,
): SearchTrialRow => ({
  trial,
  params,
  values: {},
  runId: `r${trial}`,
  rung: 0,
  state,
  step: null,
  flops,
  plannedFlops: 1e9,
  objective,
});

describe('the search leaderboard', () => {
  const rows = [row(0, 0.5, 3e8), row(1, null, null, 'not started'), row(2, 0.2, 9e8, 'running'), row(3, 0.5, 1e8, 'queued')];

  it('sorts by objective both ways, ties by trial, trials without one last either way', () => {
    assert.deepEqual(
      sortTrials(rows, 'objective', false).map((r) => r.trial),
      [2, 0, 3, 1],
    );
    assert.deepEqual(
      sortTrials(rows, 'objective', true).map((r) => r.trial),
      [0, 3, 2, 1],
    );
  });

  it('sorts by compute, by state (running first) and by parameters with numbers in order', () => {
    assert.deepEqual(
      sortTrials(rows, 'flops', false).map((r) => r.trial),
      [3, 0, 2, 1],
    );
    assert.deepEqual(
      sortTrials(rows, 'state', false).map((r) => r.trial),
      [2, 3, 0, 1],
    );
    const named = [row(0, 1, 1, 'completed', 'ranks 16'), row(1, 1, 1, 'completed', 'ranks 4'), row(2, 1, 1, 'completed', 'ranks 8')];
    assert.deepEqual(
      sortTrials(named, 'params', false).map((r) => r.trial),
      [1, 2, 0],
    );
    assert.deepEqual(
      sortTrials(rows, 'trial', true).map((r) => r.trial),
      [3, 2, 1, 0],
    );
  });

  it('writes the objective to four digits and compute as consumed of planned', () => {
    assert.deepEqual([0.123456, null, 1e-5].map(formatObjective), ['0.1235', '—', '1.00e-5']);
    assert.equal(formatCompute({ flops: 3e8, plannedFlops: 1e9 }), '300 M of 1.00 G');
    assert.equal(formatCompute({ flops: null, plannedFlops: 1e9 }), '— of 1.00 G');
  });
});

describe('the parallel coordinates of a search', () => {
  it('scale numbers linearly, positive ones spanning a decade on a log axis, few whole numbers by value, anything else as categories', () => {
    assert.equal(axisKind([16, 32, 64]), 'ordinal', 'a few whole numbers: one tick each');
    assert.equal(axisKind([0.5, 1.5, 2]), 'linear');
    assert.equal(axisKind([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'linear', 'many whole numbers');
    assert.equal(axisKind([1e-4, 3e-3]), 'log');
    assert.equal(axisKind([0, 0.5, 100]), 'linear', 'zero cannot sit on a log axis');
    assert.equal(axisKind(['16|8', '8|8']), 'category');
    assert.equal(axisKind([1, '2']), 'category');
    assert.equal(axisKind([]), 'category');
  });
});
