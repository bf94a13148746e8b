/** The progress display of `mlbtc train`: a redrawn bar on a terminal, plain lines elsewhere, ETA and throughput. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration } from '../../src/core/format';
import { TrainProgress } from '../../src/cli/trainProgress';
import type { MetricsMessage } from '../../src/protocol/worker';

const metrics = (step: number, over: Partial<MetricsMessage> = {}): MetricsMessage => ({
  type: 'metrics',
  step,
  tokens: step * 1000,
  flops: 0,
  wallMs: step * 500,
  loss: 2.34567,
  lr: 0.0003,
  ...over,
});

describe('train progress', () => {
  it('prints one plain line per record off a terminal, with tokens/s from training wall time and the ETA', () => {
    let now = 0;
    const p = new TrainProgress(false, () => now);
    p.start(1, 100);
    now = 10_000; // 10 steps in 10 s: 90 steps left take 90 s
    assert.equal(p.metrics(metrics(10)), 'step 10/100  loss 2.346  lr 3.00e-4  2,000 tok/s  ETA 1m30s\n');
  });

  it('extrapolates the ETA from the steps this process ran (a resumed run starts mid-way)', () => {
    let now = 0;
    const p = new TrainProgress(false, () => now);
    p.start(51, 100);
    now = 5_000; // steps 51–55 in 5 s
    assert.match(p.metrics(metrics(55)), /ETA 45s\n$/);
  });

  it('redraws a bar in place on a terminal and clears it before other lines', () => {
    const p = new TrainProgress(true, () => 0);
    p.start(1, 4);
    const first = p.metrics(metrics(2));
    assert.ok(first.startsWith('\rstep 2/4 [############------------] loss 2.346'));
    assert.ok(!first.includes('\n'));
    const second = p.metrics(metrics(3, { loss: 1 }));
    assert.ok(second.startsWith('\rstep 3/4 [##################------] loss 1 '));
    assert.equal(second.length, first.length, 'a shorter line is padded over the previous one');
    const evalLine = p.evaluation({ type: 'eval', step: 3, metrics: { 'val.loss': 1.5, 'curriculum.dims': 4 } });
    assert.ok(evalLine.startsWith(`\r${' '.repeat(second.trimEnd().length - 1)}\r`), 'the last line is blanked');
    assert.ok(evalLine.endsWith('eval at step 3: val.loss 1.500  curriculum.dims 4\n'));
    assert.equal(p.line('done'), 'done\n', 'nothing to clear after a full line');
  });

  it('formats durations', () => {
    assert.deepEqual([0, 59_400, 61_000, 3_600_000 + 120_000, NaN].map(formatDuration), ['0s', '59s', '1m01s', '1h02m', '?']);
  });
});
