import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricRecord } from '../../src/protocol/run';
import type { LossView } from '../../src/protocol/webview';
import { CurveCache, curves, RunSeries, sharedDomain } from '../../src/extension/panels/losses/seriesStore';

const train = (step: number, loss: number): MetricRecord => ({
  kind: 'train',
  step,
  tokens: step * 100,
  flops: step * 1e9,
  wallMs: step * 10,
  loss,
  lr: 1e-3,
});
const evalAt = (step: number, metrics: Record<string, number>): MetricRecord => ({
  kind: 'eval',
  step,
  tokens: step * 100,
  flops: step * 1e9,
  wallMs: step * 10,
  ...metrics,
});

const view = (v: Partial<LossView>): LossView => ({
  runIds: ['a'],
  metrics: ['loss'],
  x: 'step',
  logX: false,
  logY: false,
  smoothing: 0,
  buckets: 100,
  ...v,
});

test('train and eval records land in their own columns; metrics are listed in the order they appeared', () => {
  const run = new RunSeries();
  run.append([train(1, 5), train(2, 4), evalAt(2, { 'val.loss': 4.5 }), train(3, 3), evalAt(4, { 'val.loss': 3.5, 'val.bpc': 5 })]);
  assert.deepEqual(run.metrics(), ['loss', 'lr', 'val.loss', 'val.bpc']);
  assert.equal(run.records, 5);
  const loss = run.columns('loss', 'tokens')!;
  assert.deepEqual([...loss.x], [100, 200, 300]);
  assert.deepEqual([...loss.y], [5, 4, 3]);
  // val.bpc appeared at the second eval: the first eval row lacks it.
  const bpc = run.columns('val.bpc', 'step')!;
  assert.deepEqual([...bpc.x], [2, 4]);
  assert.ok(Number.isNaN(bpc.y[0]));
  assert.equal(bpc.y[1], 5);
  assert.equal(run.columns('nope', 'step'), undefined);
});

test('columns grow past their initial capacity without losing values', () => {
  const run = new RunSeries();
  run.append(Array.from({ length: 5000 }, (_, i) => train(i + 1, 1 / (i + 1))));
  const { x, y } = run.columns('loss', 'step')!;
  assert.equal(x.length, 5000);
  assert.equal(x[4999], 5000);
  assert.equal(y[4999], Math.fround(1 / 5000));
});

test('curves: raw keeps extremes, smoothing applies to raw values, all runs share one x range', () => {
  const a = new RunSeries();
  const b = new RunSeries();
  const n = 20_000;
  a.append(Array.from({ length: n }, (_, i) => train(i + 1, i === 12_345 ? 99 : 2)));
  b.append(Array.from({ length: n / 2 }, (_, i) => train(n + i + 1, 1)));
  const store = new Map([
    ['a', a],
    ['b', b],
  ]);
  const out = curves(store, view({ runIds: ['a', 'b'], smoothing: 0.9, buckets: 50 }));
  assert.deepEqual(
    out.map((c) => [c.runId, c.metric]),
    [
      ['a', 'loss'],
      ['b', 'loss'],
    ],
  );
  const [ca, cb] = out;
  assert.ok(ca.raw.y.includes(99), 'the spike survives downsampling');
  assert.ok(ca.raw.x.length <= 4 * 50 && cb.raw.x.length <= 4 * 50);
  // EMA of a constant 2 with one spike: the smoothed curve rises after the spike but far less than the spike.
  const maxSmooth = Math.max(...ca.smooth.y);
  assert.ok(maxSmooth > 2 && maxSmooth < 99 * 0.2, `smoothed peak ${maxSmooth}`);
  assert.deepEqual(ca.last, { x: n, y: 2 });
  // Shared domain: b's buckets are laid over [1, 30000], not its own [20001, 30000]: at most 4 per bucket of 600
  // steps, i.e. ≤ 4 · ceil(10000/600) + 4 points.
  assert.ok(cb.raw.x.length <= 4 * 18, `b has ${cb.raw.x.length} points`);
  assert.deepEqual(sharedDomain([a.columns('loss', 'step')!, b.columns('loss', 'step')!], false), [1, 30_000]);
});

test('a streaming update computes only the runs asked for, over the shared range', () => {
  const a = new RunSeries();
  const b = new RunSeries();
  a.append([train(1, 3), train(2, 2)]);
  b.append([train(1, 5), train(10, 4)]);
  const store = new Map([
    ['a', a],
    ['b', b],
  ]);
  const out = curves(store, view({ runIds: ['a', 'b'] }), ['b']);
  assert.deepEqual(
    out.map((c) => c.runId),
    ['b'],
  );
});

test('no smoothing: the smooth curve is the raw curve; unknown runs and metrics are ignored', () => {
  const a = new RunSeries();
  a.append([train(1, 3), train(2, 2), evalAt(2, { 'val.loss': 2.5 })]);
  const out = curves(new Map([['a', a]]), view({ runIds: ['a', 'zzz'], metrics: ['loss', 'val.loss', 'test.mse'] }));
  assert.deepEqual(
    out.map((c) => c.metric),
    ['loss', 'val.loss'],
  );
  assert.equal(out[0].smooth, out[0].raw);
});

test('log x: records at x ≤ 0 are left out of the range', () => {
  const a = new RunSeries();
  a.append([train(0, 3), train(1, 2), train(100, 1)]);
  assert.deepEqual(sharedDomain([a.columns('loss', 'step')!], true), [1, 100]);
  assert.deepEqual([...curves(new Map([['a', a]]), view({ logX: true }))[0].raw.x], [1, 100]);
});

test('the curve cache reuses curves across y-scale changes and recomputes a run once it has new records', () => {
  const a = new RunSeries();
  const b = new RunSeries();
  a.append([train(1, 3), train(2, 2)]);
  b.append([train(1, 5), train(2, 4)]);
  const store = new Map([
    ['a', a],
    ['b', b],
  ]);
  const cache = new CurveCache();
  const v = view({ runIds: ['a', 'b'] });
  const first = curves(store, v, v.runIds, cache);
  const logY = curves(store, { ...v, logY: true }, v.runIds, cache);
  assert.equal(logY[0], first[0], 'y scale does not change the downsampled curve');
  assert.equal(logY[1], first[1]);
  b.append([train(2, 3.5)]);
  const after = curves(store, v, v.runIds, cache);
  assert.equal(after[0], first[0], 'a is unchanged');
  assert.notEqual(after[1], first[1], 'b has a new record');
  assert.deepEqual(after[1].last, { x: 2, y: 3.5 });
  assert.notEqual(curves(store, { ...v, smoothing: 0.5 }, v.runIds, cache)[0], first[0], 'smoothing changes the curves');
});
