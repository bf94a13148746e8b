/**
 * What the editor says about runs, pure parts: a run's row in the Experiments view, the worker log as log lines
 * (parsed back from what the real run-folder writer wrote), and the confirmation of a search plan.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { StructureSpec } from '../../src/core/spec/schema';
import { RunFolderWriter, createRunFolder } from '../../src/runfolder/runFolder';
import { describeRun, formatLoss, runLabel, runTitle, searchLabel } from '../../src/extension/runs/runDescription';
import { planSummary } from '../../src/extension/runs/searchSummary';
import { LogTail } from '../../src/extension/runs/workerLog';
import { initialStatus, parseLogLine, RunFiles } from '../../src/protocol/run';
import { planSearch } from '../../src/runs/search/plan';
import type { RunInfo } from '../../src/runs/store';
import { newRun, tempDir, tinySpec } from './runs.helpers';

const work = tempDir('run-text');
after(() => fs.rmSync(work, { recursive: true, force: true }));

function run(status: Partial<RunInfo['status']> | null, state: RunInfo['state']): RunInfo {
  return {
    id: 'tiny-20260101-000000-abcd',
    dir: '/runs/tiny-20260101-000000-abcd',
    state,
    status: status ? { ...initialStatus(20), ...status } : null,
    name: 'tiny',
    createdAt: '2026-01-01T00:00:00.000Z',
    source: '/w/tiny.mlbtc.json',
    experiment: { key: 'spec:/w/tiny.mlbtc.json', kind: 'spec', label: 'tiny.mlbtc.json' },
  };
}

describe('a run in the Experiments view', () => {
  it('reads latest loss first (visible when the view is narrow), then state, step of total, backend and duration', () => {
    const running = run({ state: 'running', step: 12, backend: 'wasm', startedAt: '2026-01-01T00:00:00.000Z' }, 'running');
    assert.equal(
      describeRun(running, { step: 12, loss: 0.81234, wallMs: 0 }, Date.parse('2026-01-01T00:01:05.000Z')),
      'loss 0.8123 · running · 12/20 · wasm · 1m05s',
    );
    const done = run(
      { state: 'completed', step: 20, backend: 'cpu', startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:03.400Z' },
      'completed',
    );
    // A finished run's duration is start to end, whatever the time now.
    assert.equal(
      describeRun(done, { step: 20, loss: 2, wallMs: 0 }, Date.parse('2027-01-01T00:00:00Z')),
      'loss 2.000 · completed · 20/20 · cpu · 3s',
    );
  });

  it('leaves out what a run does not have yet', () => {
    assert.equal(describeRun(run({}, 'queued'), null, 0), 'queued · 0/20');
    assert.equal(describeRun(run(null, 'unknown'), null, 0), 'unknown');
    // Interrupted: it has no end time and is not running, so no duration is claimed.
    assert.equal(
      describeRun(run({ state: 'running', step: 3, startedAt: '2026-01-01T00:00:00.000Z' }, 'interrupted'), null, Date.now()),
      'interrupted · 3/20',
    );
  });

  it('labels a run by its structure and creation time, a trial by its number and parameters, a hand-named folder by its name', () => {
    const at = (y: number, mo: number, d: number, h: number, mi: number, sec: number) => new Date(y, mo, d, h, mi, sec);
    const created = { ...run({}, 'queued'), createdAt: at(2026, 10, 21, 15, 32, 5).toISOString() };
    assert.equal(runLabel(created, at(2026, 10, 21, 23, 59, 0)), 'tiny · 15:32:05');
    assert.equal(runLabel(created, at(2026, 10, 22, 0, 1, 0)), 'tiny · Nov 21 15:32');
    // Under its own file in the Experiments view, the name is the file's: the time says which run it is.
    assert.equal(runLabel(created, at(2026, 10, 21, 23, 59, 0), undefined, 'tiny.mlbtc.json'), '15:32:05');
    assert.equal(runLabel(created, at(2026, 10, 21, 23, 59, 0), undefined, 'renamed.mlbtc.json'), 'tiny · 15:32:05');
    assert.equal(runTitle(created, at(2026, 10, 21, 23, 0, 0)), 'tiny · 15:32:05');
    const trial = { ...created, search: { id: 's', trial: 3, rung: 1 } };
    assert.equal(runLabel(trial, new Date()), 'trial 3 (rung 1)');
    assert.equal(runLabel(trial, new Date(), 'ranks 16|8|4|4 · lr 3e-3'), '#3 ranks 16|8|4|4 · lr 3e-3 (rung 1)');
    assert.equal(runTitle(trial, new Date(), 'lr 3e-3'), 'tiny · #3 lr 3e-3 (rung 1)');
    assert.equal(runLabel({ ...trial, search: { id: 's', trial: 0, rung: 0 } }, new Date()), 'trial 0');
    assert.equal(searchLabel('lr-sweep-20261121-153205-0b1c', at(2026, 10, 21, 23, 0, 0)), 'lr-sweep · 15:32:05');
    assert.equal(searchLabel('lr-sweep-20261121-153205-0b1c', at(2026, 10, 22, 9, 0, 0)), 'lr-sweep · Nov 21 15:32');
    assert.equal(searchLabel('named-by-hand', new Date()), 'named-by-hand');
    const byHand = { ...created, id: 'made-by-cli', name: 'made-by-cli' };
    assert.equal(runLabel(byHand, new Date()), 'made-by-cli');
    assert.equal(runTitle(byHand, new Date()), 'made-by-cli');
  });

  it('writes losses to four significant digits, and says so when they are not finite', () => {
    assert.deepEqual([0.000123456, 1234567, 3.14159, Number.NaN, Infinity, -Infinity].map(formatLoss), [
      '1.23e-4',
      '1.23e+6',
      '3.142',
      'NaN',
      '∞',
      '-∞',
    ]);
  });
});

describe('worker.log as log lines', () => {
  it('parses back every level the run-folder writer writes, and keeps raw process output as such', () => {
    const dir = path.join(work, 'log-run');
    createRunFolder(dir, newRun(tinySpec()));
    const writer = new RunFolderWriter(dir);
    writer.log('info', 'backend cpu (JavaScript)');
    writer.log('warn', '  two leading spaces stay');
    writer.log('error', 'diverged at step 3 (loss NaN)');
    fs.appendFileSync(path.join(dir, RunFiles.log), 'Error: boom\n    at main (worker.js:1:1)\n');
    const lines = fs.readFileSync(path.join(dir, RunFiles.log), 'utf8').trimEnd().split('\n').map(parseLogLine);
    assert.deepEqual(lines, [
      { level: 'info', message: 'backend cpu (JavaScript)' },
      { level: 'warn', message: 'two leading spaces stay' },
      { level: 'error', message: 'diverged at step 3 (loss NaN)' },
      { level: null, message: 'Error: boom' },
      { level: null, message: '    at main (worker.js:1:1)' },
    ]);
  });

  it('follows a growing file: whole lines only, from the end when asked, from the start after it shrank', () => {
    const file = path.join(work, 'tail.log');
    fs.writeFileSync(file, 'old 1\nold 2\n');
    const fromEnd = new LogTail(file, true);
    const fromStart = new LogTail(file, false);
    assert.deepEqual(fromEnd.read(), []);
    assert.deepEqual(fromStart.read(), ['old 1', 'old 2']);
    fs.appendFileSync(file, 'new 1\nnew');
    assert.deepEqual(fromEnd.read(), ['new 1']);
    fs.appendFileSync(file, ' 2 done\n');
    assert.deepEqual(fromEnd.read(), ['new 2 done']);
    fs.writeFileSync(file, 'rewritten\n');
    assert.deepEqual(fromEnd.read(), ['rewritten']);
    assert.deepEqual(new LogTail(path.join(work, 'missing.log'), true).read(), []);
  });
});

describe('the search plan confirmation', () => {
  const base = {
    name: 'lr-grid',
    task: { kind: 'icl-regression', inputDim: 4, noise: 0 },
    model: { width: 16, heads: 2, layers: 1, seqLen: 16, mlpRatio: 2 },
    attention: { kind: 'dense', logitScale: 'standard', qkNorm: true },
    training: { steps: 30, batchSize: 2, backend: 'cpu' },
  };

  it('gives the trial count and the total compute of a grid', () => {
    const plan = planSearch({
      ...base,
      search: { strategy: 'grid', space: { 'training.lr': { choice: [1e-3, 3e-3, 1e-2] } } },
    } as unknown as StructureSpec);
    const summary = planSummary(plan, 2, 'Wall time: no measurement yet (…)');
    // Three identical structures: three times one trial's 30 steps.
    const flops = 3 * plan.trials[0]!.analysis.flopsPerStep * 30;
    assert.equal(plan.compute.maxFlops, flops);
    assert.match(summary.message, /^Start search "lr-grid": 3 trials \(grid\), [\d.]+ [kMGTP]?FLOPs of training\?$/);
    assert.match(
      summary.detail,
      /^3 trials from 3 candidates\.\nMinimising val\.loss; 2 trials at a time.*\nWall time: no measurement yet \(…\)\.\n/,
    );
  });

  it('names the rungs, the expected ASHA compute and the first rejected candidate', () => {
    const plan = planSearch({
      ...base,
      search: {
        strategy: 'asha',
        trials: 4,
        seed: 1,
        space: { 'model.heads': { choice: [2, 3] }, 'training.lr': { logUniform: [1e-4, 1e-2] } },
        asha: { minBudget: 10, maxBudget: 90, eta: 3 },
      },
    } as unknown as StructureSpec);
    const summary = planSummary(plan, 1, 'Wall time: about 1s');
    assert.match(summary.message, /ASHA \(at most .*FLOPs\)\?$/);
    assert.ok(summary.detail.includes('Rungs of 10 → 30 → 90 steps, keeping the best 1/3 at each.'), summary.detail);
    // 3 heads do not divide width 16: those candidates are rejected, and the first one is named with its reason.
    assert.ok(plan.rejected.length > 0);
    assert.ok(summary.detail.includes(`rejected (first: ${plan.rejected[0]!.label}: ${plan.rejected[0]!.reason})`), summary.detail);
  });
});
