import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downsampleMinMax } from '../../src/core/series/downsample';
import { Rng } from '../../src/core/random';

/** A noisy random walk with a few isolated spikes, the shape a loss curve with blow-ups has. */
function walk(n: number, seed: number): { x: Float64Array; y: Float64Array; spikes: number[] } {
  const rng = new Rng(seed);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let v = 5;
  for (let i = 0; i < n; i++) {
    x[i] = i + 1;
    v += 0.01 * rng.normal();
    y[i] = v;
  }
  const spikes = [Math.floor(n * 0.137), Math.floor(n * 0.5), Math.floor(n * 0.91)];
  y[spikes[0]] = 100;
  y[spikes[1]] = -100;
  y[spikes[2]] = 1e6;
  return { x, y, spikes };
}

/** Bucket of x on a linear axis, computed here independently of the module. */
const linearBucket = (x: number, lo: number, hi: number, buckets: number) =>
  Math.min(buckets - 1, Math.floor(((x - lo) / (hi - lo)) * buckets));

test('every pixel bucket keeps its minimum and maximum; the spikes survive', () => {
  const { x, y, spikes } = walk(100_000, 7);
  const buckets = 300;
  const out = downsampleMinMax(x, y, { buckets });
  assert.ok(out.x.length <= 4 * buckets, `at most four points per bucket, got ${out.x.length}`);
  for (const s of spikes) assert.ok(out.y.includes(y[s]), `spike at ${s} (y=${y[s]}) is kept`);

  const lo = x[0];
  const hi = x[x.length - 1];
  const expect = new Map<number, { min: number; max: number }>();
  for (let i = 0; i < x.length; i++) {
    const b = linearBucket(x[i], lo, hi, buckets);
    const e = expect.get(b) ?? { min: Infinity, max: -Infinity };
    expect.set(b, { min: Math.min(e.min, y[i]), max: Math.max(e.max, y[i]) });
  }
  const got = new Map<number, { min: number; max: number }>();
  for (let k = 0; k < out.x.length; k++) {
    const b = linearBucket(out.x[k], lo, hi, buckets);
    const e = got.get(b) ?? { min: Infinity, max: -Infinity };
    got.set(b, { min: Math.min(e.min, out.y[k]), max: Math.max(e.max, out.y[k]) });
  }
  assert.deepEqual(
    [...got.entries()].sort((a, b) => a[0] - b[0]),
    [...expect.entries()].sort((a, b) => a[0] - b[0]),
  );
});

test('output points are original points, in order, and each bucket starts and ends where the data does', () => {
  const { x, y } = walk(20_000, 3);
  const out = downsampleMinMax(x, y, { buckets: 50 });
  for (let k = 0; k < out.x.length; k++) {
    const i = out.x[k] - 1; // x = index + 1 in walk()
    assert.equal(out.y[k], y[i], `point ${k} is the original (x=${out.x[k]})`);
    if (k > 0) assert.ok(out.x[k] > out.x[k - 1], 'strictly increasing x: no point emitted twice');
  }
  assert.equal(out.x[0], x[0], 'first point kept');
  assert.equal(out.x[out.x.length - 1], x[x.length - 1], 'last point kept');
  // The first and last point of every bucket are kept, so the line between buckets is the true one.
  const bucketOf = (v: number) => linearBucket(v, x[0], x[x.length - 1], 50);
  for (let b = 0; b < 50; b++) {
    const inBucket = [...x].filter((v) => bucketOf(v) === b);
    const keptInBucket = [...out.x].filter((v) => bucketOf(v) === b);
    assert.equal(keptInBucket[0], inBucket[0]);
    assert.equal(keptInBucket[keptInBucket.length - 1], inBucket[inBucket.length - 1]);
  }
});

test('a short series comes back unchanged', () => {
  const x = [1, 2, 3, 4, 5];
  const y = [5, 4, 3, 2, 1];
  const out = downsampleMinMax(x, y, { buckets: 100 });
  assert.deepEqual([...out.x], x);
  assert.deepEqual([...out.y], y);
});

test('missing values are skipped, and x ≤ 0 is dropped on a log axis', () => {
  const x = [0, 1, 2, 3, 4];
  const y = [9, Number.NaN, 7, Number.POSITIVE_INFINITY, 5];
  assert.deepEqual([...downsampleMinMax(x, y, { buckets: 10 }).x], [0, 2, 4]);
  assert.deepEqual([...downsampleMinMax(x, y, { buckets: 10, scale: 'log' }).x], [2, 4]);
  assert.equal(downsampleMinMax([], [], { buckets: 10 }).x.length, 0);
});

test("log axis buckets are equal in log space: one decade per bucket keeps each decade's extremes", () => {
  // x from 1 to 10^4, 4 buckets on a log axis = one decade each. Put the maximum of each decade at a known place.
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 1; i <= 10_000; i++) {
    x.push(i);
    y.push(0);
  }
  const peaks = [3, 42, 420, 4200];
  for (const p of peaks) y[p - 1] = p;
  const out = downsampleMinMax(x, y, { buckets: 4, scale: 'log' });
  for (const p of peaks) assert.ok([...out.x].includes(p), `peak in decade of ${p} kept`);
  // Linear buckets of the same count would merge the first three decades into one bucket and keep only its max.
  const linear = downsampleMinMax(x, y, { buckets: 4 });
  assert.ok(![...linear.x].includes(3) || ![...linear.x].includes(42), 'linear buckets differ (sanity check)');
  assert.ok(out.x.length <= 16);
});

test('a domain keeps the nearest point outside it on each side so lines reach the edges', () => {
  const x = Array.from({ length: 100 }, (_, i) => i);
  const y = x.map((v) => v * v);
  const out = downsampleMinMax(x, y, { buckets: 1000, domain: [20.5, 30.5] });
  assert.deepEqual([...out.x], [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);
});
