// The counts `npm test` prints: parsed from real node:test TAP output of a file whose outcomes are known,
// from the extension host's event lines, and formatted into the final line.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { addCounts, countsFromJunit, countsFromEvents, countsFromTap, formatCounts } from '../../scripts/harness/counts';
import { parseEvents, type TestEvent } from '../../scripts/harness/test-events';

/** Runs node:test with the TAP reporter on `source` and returns its output. */
function tapOf(source: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlbtc-tap-test-'));
  try {
    const file = path.join(dir, 'outcomes.test.mjs');
    writeFileSync(file, source);
    // NODE_TEST_CONTEXT would make the nested runner talk the parent's internal protocol instead of TAP.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    return spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], { encoding: 'utf8', env, timeout: 60_000 }).stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('countsFromTap', () => {
  it('counts passes, failures (with timed-out tests) and skips (with todos) of a real run', () => {
    const tap = tapOf(`
      import { describe, test } from 'node:test';
      test('passes', () => {});
      describe('a suite is not a test', () => { test('passes inside', () => {}); });
      test('fails', () => { throw new Error('x'); });
      test('times out', { timeout: 50 }, () => new Promise(() => {}));
      test('is skipped', { skip: true }, () => {});
      test('is todo', { todo: true }, () => { throw new Error('todo failures do not fail a run'); });
    `);
    assert.deepEqual(countsFromTap(tap), { passed: 2, failed: 2, skipped: 2 });
  });

  it('counts a file that cannot even load as a failure', () => {
    assert.deepEqual(countsFromTap(tapOf(`import { nothing } from 'node:does-not-exist';`)), { passed: 0, failed: 1, skipped: 0 });
  });

  it('returns undefined when the summary is missing (the runner died)', () => {
    assert.equal(countsFromTap('TAP version 13\nok 1 - passes\n'), undefined);
  });
});

describe('countsFromEvents', () => {
  const pass: TestEvent = { event: 'pass', title: 'p' };
  const fail: TestEvent = { event: 'fail', title: 'f', message: 'm' };
  const pending: TestEvent = { event: 'pending', title: 's' };

  it("takes mocha's end event as the truth", () => {
    assert.deepEqual(countsFromEvents([pass, fail, pending, { event: 'end', passed: 1, failed: 2, pending: 1 }]), {
      counts: { passed: 1, failed: 2, skipped: 1 },
      finished: true,
    });
  });

  it('counts what was reported plus one failure when the run never ended', () => {
    assert.deepEqual(countsFromEvents([pass, pass, pending]), { counts: { passed: 2, failed: 1, skipped: 1 }, finished: false });
  });

  it('parses event lines and ignores a torn last line', () => {
    const text = `${JSON.stringify(pass)}\n${JSON.stringify(fail)}\n{"event":"pa`;
    assert.deepEqual(parseEvents(text), [pass, fail]);
  });
});

describe('countsFromJunit (pytest --junitxml)', () => {
  it('takes the suite totals; errors count as failed, and passed is what remains', () => {
    const xml =
      '<?xml version="1.0"?><testsuites><testsuite name="pytest" errors="1" failures="2" skipped="3" tests="10" time="1.2"></testsuite></testsuites>';
    assert.deepEqual(countsFromJunit(xml), { passed: 4, failed: 3, skipped: 3 });
  });

  it('a report without a suite has no counts', () => {
    assert.equal(countsFromJunit('<testsuites></testsuites>'), undefined);
  });
});

describe('formatCounts', () => {
  it('prints skipped only when there are any', () => {
    assert.equal(formatCounts({ passed: 3, failed: 0, skipped: 0 }), '3 passed, 0 failed');
    assert.equal(formatCounts({ passed: 3, failed: 1, skipped: 2 }), '3 passed, 1 failed, 2 skipped');
  });

  it('sums suites field by field', () => {
    assert.deepEqual(addCounts({ passed: 1, failed: 2, skipped: 3 }, { passed: 10, failed: 20, skipped: 30 }), {
      passed: 11,
      failed: 22,
      skipped: 33,
    });
    assert.deepEqual(addCounts(), { passed: 0, failed: 0, skipped: 0 });
  });
});
