import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emaSmooth } from '../../src/core/series/smooth';

test('debiased EMA matches a hand computation', () => {
  // w = 0.5, y = 4, 8, 0: m = 2, 5, 2.5; debias 1−0.5^k = 0.5, 0.75, 0.875.
  const s = emaSmooth([4, 8, 0], 0.5);
  assert.deepEqual([...s], [4, 5 / 0.75, 2.5 / 0.875]);
});

test('weight 0 is the identity and a constant stays constant at any weight', () => {
  assert.deepEqual([...emaSmooth([3, 1, 2], 0)], [3, 1, 2]);
  for (const v of emaSmooth(Array(50).fill(7), 0.99)) assert.ok(Math.abs(v - 7) < 1e-12);
});

test('missing values stay missing and do not advance the average', () => {
  const s = emaSmooth([4, Number.NaN, 8], 0.5);
  assert.equal(s[0], 4);
  assert.ok(Number.isNaN(s[1]));
  assert.equal(s[2], 5 / 0.75);
});

test('weights outside [0, 1) are rejected with the value in the message', () => {
  assert.throws(() => emaSmooth([1], 1), /\[0, 1\), got 1/);
  assert.throws(() => emaSmooth([1], -0.1), /got -0.1/);
});
