/** The status bar's measured step time, time left and summary, and which run endings are announced. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompletionWatch } from '../../src/extension/runs/completionWatch';
import { etaMs, runsSummary, StepTimer } from '../../src/extension/runs/runProgress';

describe('the measured step time', () => {
  it('is unknown before a step, the average after one record, the recent rate after several', () => {
    const timer = new StepTimer();
    assert.equal(timer.msPerStep(), null);
    timer.observe({ step: 10, wallMs: 5000 }); // a slow first stretch (compilation)
    assert.equal(timer.msPerStep(), 500);
    timer.observe({ step: 20, wallMs: 6000 });
    assert.equal(timer.msPerStep(), 100);
  });

  it('follows the recent records only, and starts over when the run goes back (resumed from a checkpoint)', () => {
    const timer = new StepTimer();
    timer.observe({ step: 1, wallMs: 10_000 });
    for (let s = 2; s <= 40; s++) timer.observe({ step: s, wallMs: 10_000 + (s - 1) * 50 });
    assert.equal(timer.msPerStep(), 50, 'the slow first step has left the window');
    timer.observe({ step: 30, wallMs: 20_000 });
    assert.equal(timer.msPerStep(), 20_000 / 30);
  });

  it('gives the time left at that rate, none without a measurement', () => {
    assert.equal(etaMs(12, 20, 250), 2000);
    assert.equal(etaMs(20, 20, 250), 0);
    assert.equal(etaMs(25, 20, 250), 0);
    assert.equal(etaMs(12, 20, null), null);
    assert.equal(etaMs(12, 20, Number.NaN), null);
  });
});

describe('the runs status bar item', () => {
  it('is hidden while nothing runs or waits', () => {
    assert.equal(runsSummary(0, 0, null), null);
  });

  it('counts running and queued runs and details the current one', () => {
    const summary = runsSummary(1, 2, { title: 'tiny · 15:32:05', step: 12, totalSteps: 20, loss: 0.81234, eta: 65_000 })!;
    assert.equal(summary.text, '$(sync~spin) 1 running, 2 queued · 12/20 · loss 0.8123 · 1m05s left');
    assert.match(
      summary.tooltip,
      /^MLBTC runs: 1 running, 2 queued\ntiny · 15:32:05: step 12 of 20, training loss 0\.8123\nAbout 1m05s left/,
    );
    assert.equal(
      summary.accessible,
      'MLBTC runs: 1 running, 2 queued; tiny · 15:32:05 at step 12 of 20, loss 0.8123, about 1m05s left. Activate to show the live losses.',
    );
    assert.doesNotMatch(summary.accessible, /\$\(/, 'no codicon syntax read aloud');
  });

  it('says when no step was measured yet, and waits with a clock when only queued', () => {
    const early = runsSummary(1, 0, { title: 't', step: 0, totalSteps: 20, loss: null, eta: null })!;
    assert.equal(early.text, '$(sync~spin) 1 running · 0/20');
    assert.match(early.tooltip, /no step measured yet/);
    assert.equal(runsSummary(0, 3, null)!.text, '$(clock) 3 queued');
  });
});

describe('run endings announced', () => {
  const run = (
    id: string,
    state: Parameters<CompletionWatch['observe']>[0]['state'],
    search?: { id: string; trial: number; rung: number },
  ) => ({ id, state, search });

  it('only for runs seen queued or running (not old ones found at start-up)', () => {
    const watch = new CompletionWatch();
    assert.equal(watch.observe(run('old', 'completed')), null);
    assert.equal(watch.observe(run('a', 'running')), null);
    assert.equal(watch.observe(run('a', 'completed')), 'completed');
    assert.equal(watch.observe(run('a', 'completed')), null, 'once');
    assert.equal(watch.observe(run('b', 'queued')), null);
    assert.equal(watch.observe(run('b', 'failed')), 'failed');
    assert.equal(watch.observe(run('c', 'running')), null);
    assert.equal(watch.observe(run('c', 'interrupted')), 'interrupted');
  });

  it('for a run this window started even if it ended before it was seen running', () => {
    const watch = new CompletionWatch();
    watch.expect('fast');
    assert.equal(watch.observe(run('fast', 'completed')), 'completed');
  });

  it('never for a cancelled run, and for search trials only when they fail', () => {
    const watch = new CompletionWatch();
    const tag = { id: 's', trial: 0, rung: 0 };
    for (const id of ['x', 't1', 't2']) watch.observe(run(id, 'running', id === 'x' ? undefined : tag));
    assert.equal(watch.observe(run('x', 'cancelled')), null);
    assert.equal(watch.observe(run('t1', 'completed', tag)), null);
    assert.equal(watch.observe(run('t2', 'failed', tag)), 'failed');
  });
});
