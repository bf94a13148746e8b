/** A search plan's wall time from the throughput measured in completed runs of the same runtime. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { StructureSpec } from '../../src/core/spec/schema';
import { formatMetricLine, initialStatus, RunFiles } from '../../src/protocol/run';
import { planSearch } from '../../src/runs/search/plan';
import { measuredThroughput, planWallTime, pooledThroughput, runtimeOf, wallTimeLine } from '../../src/runs/search/wallTime';
import type { RunInfo } from '../../src/runs/store';
import { tempDir } from './runs.helpers';

const work = tempDir('wall-time');
after(() => fs.rmSync(work, { recursive: true, force: true }));

const plan = planSearch({
  name: 'lr-grid',
  task: { kind: 'icl-regression', inputDim: 4, noise: 0 },
  model: { width: 16, heads: 2, layers: 1, seqLen: 16, mlpRatio: 2 },
  attention: { kind: 'dense', logitScale: 'standard', qkNorm: true },
  training: { steps: 30, batchSize: 2, backend: 'cpu' },
  search: { strategy: 'grid', space: { 'training.lr': { choice: [1e-3, 3e-3] } } },
} as unknown as StructureSpec);

/** A run folder with one train record of these totals. */
function run(id: string, state: RunInfo['state'], totals: { flops: number; tokens: number; wallMs: number }, runtime?: string): RunInfo {
  const dir = path.join(work, id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, RunFiles.metrics), formatMetricLine({ kind: 'train', step: 10, loss: 1, lr: 1e-3, ...totals }));
  const status = { ...initialStatus(10), state: state === 'unknown' ? 'failed' : state, ...(runtime ? { runtime } : {}) };
  return {
    id,
    dir,
    state,
    status,
    name: id,
    createdAt: '2026-01-01T00:00:00.000Z',
    source: null,
    experiment: { key: `spec:${id}`, kind: 'spec', label: id },
  };
}

describe('the wall time of a search plan', () => {
  it('pools the throughput over runs, weighting each by its training time', () => {
    const t = pooledThroughput('tfjs', [
      { flops: 1e9, tokens: 1000, wallMs: 1000 },
      { flops: 3e9, tokens: 1000, wallMs: 1000 },
      { flops: 5e9, tokens: 5, wallMs: 0 }, // no training time: not a measurement
    ])!;
    assert.deepEqual(t, { runtime: 'tfjs', flopsPerSecond: 2e9, tokensPerSecond: 1000, runs: 2 });
    assert.equal(pooledThroughput('tfjs', []), null);
  });

  it('measures completed runs of the same runtime only', () => {
    const runs = [
      run('done', 'completed', { flops: 2e9, tokens: 4000, wallMs: 1000 }),
      run('failed', 'failed', { flops: 9e12, tokens: 1, wallMs: 1 }),
      run('torch', 'completed', { flops: 9e12, tokens: 1, wallMs: 1 }, 'torch 2.13.0 · cpu · fp32'),
      run('tfjs', 'completed', { flops: 4e9, tokens: 4000, wallMs: 1000 }, 'tfjs 4.22.0 · wasm'),
    ];
    assert.equal(runtimeOf(runs[2]!.status), 'torch', 'the runtime is the first word of what the worker records');
    assert.equal(runtimeOf(runs[0]!.status), 'tfjs', 'a run without the field ran the tfjs engine');
    assert.deepEqual(measuredThroughput(runs, 'tfjs'), { runtime: 'tfjs', flopsPerSecond: 3e9, tokensPerSecond: 4000, runs: 2 });
    assert.equal(measuredThroughput(runs, 'torch')?.runs, 1);
    assert.equal(measuredThroughput(runs.slice(1, 2), 'tfjs'), null);
  });

  it('says the planned FLOPs over the measured rate, or that nothing was measured yet', () => {
    const rate = plan.compute.maxFlops / 90; // so the plan takes 90 s
    const line = wallTimeLine(plan, { runtime: 'tfjs', flopsPerSecond: rate, tokensPerSecond: 1234, runs: 3 }, 'tfjs');
    assert.match(
      line,
      /^Wall time: about 1m30s one trial after another, at [\d.]+ [kMGTP]?FLOP\/s \(1\.23 k tokens\/s\) measured over 3 completed tfjs runs$/,
    );
    assert.equal(
      planWallTime(plan, []),
      'Wall time: no measurement yet (no completed tfjs run in this runs directory to measure the throughput of this machine)',
    );
  });
});
