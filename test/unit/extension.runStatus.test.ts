import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareRuns, summarizeStatus } from '../../src/extension/experiments/runStatus';

describe('run status for the Experiments view', () => {
  it('reads the fields the view shows and ignores the rest', () => {
    const text = JSON.stringify({ state: 'running', pid: 42, heartbeat: '2026-01-01T00:00:05Z', step: 120, startedAt: '2026-01-01T00:00:00Z', backend: 'wasm' });
    assert.deepEqual(summarizeStatus('r1', text), { id: 'r1', state: 'running', step: 120, startedAt: '2026-01-01T00:00:00Z' });
  });

  it('keeps a run whose status is broken, saying why', () => {
    const truncated = summarizeStatus('r2', '{"state": "runn');
    assert.equal(truncated.state, 'unknown');
    assert.match(truncated.unreadable!, /not valid JSON/);
    assert.match(summarizeStatus('r3', '[1]').unreadable!, /not a JSON object/);
    const odd = summarizeStatus('r4', '{"state": "exploded", "step": "ten"}');
    assert.equal(odd.state, 'unknown');
    assert.equal(odd.step, undefined);
    assert.match(odd.unreadable!, /"exploded".*queued, running, completed, failed, cancelled, interrupted/);
  });

  it('orders queued runs first, then newest start first, then by id descending', () => {
    const runs = [
      { id: '2026-a', state: 'completed' as const, startedAt: '2026-01-01T00:00:00Z' },
      { id: '2026-b', state: 'running' as const, startedAt: '2026-01-02T00:00:00Z' },
      { id: '2026-c', state: 'queued' as const },
      { id: '2026-d', state: 'queued' as const },
      { id: '2026-e', state: 'failed' as const, startedAt: '2026-01-01T00:00:00Z' },
    ];
    assert.deepEqual([...runs].sort(compareRuns).map((r) => r.id), ['2026-d', '2026-c', '2026-b', '2026-e', '2026-a']);
    assert.deepEqual([...runs].reverse().sort(compareRuns).map((r) => r.id), ['2026-d', '2026-c', '2026-b', '2026-e', '2026-a']);
  });
});
