// Test counts of every suite in one shape, the line that reports them, and the parsers that get them
// from node:test's TAP output and from the extension host's event file.
import type { TestEvent } from './test-events';

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export const noTests: Counts = { passed: 0, failed: 0, skipped: 0 };

export function addCounts(...all: Counts[]): Counts {
  return all.reduce(
    (sum, c) => ({ passed: sum.passed + c.passed, failed: sum.failed + c.failed, skipped: sum.skipped + c.skipped }),
    noTests,
  );
}

/** `N passed, N failed` plus `, N skipped` when any were skipped: the last line `npm test` prints. */
export function formatCounts(c: Counts): string {
  return `${c.passed} passed, ${c.failed} failed${c.skipped > 0 ? `, ${c.skipped} skipped` : ''}`;
}

/**
 * Counts from the summary node:test's TAP reporter prints last (`# pass 3`, `# fail 0`, ...).
 * Choices: `cancelled` tests (a timeout, or a file whose process died) count as failed, and `todo` tests
 * count as skipped (node:test never fails a run for them). Returns undefined when there is no summary,
 * meaning the runner itself died before finishing.
 */
export function countsFromTap(tap: string): Counts | undefined {
  const value = (name: string): number | undefined => {
    // The run's summary is the last occurrence at the start of a line (subtests print no summary).
    const matches = [...tap.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))];
    const last = matches.at(-1);
    return last ? Number(last[1]) : undefined;
  };
  const pass = value('pass');
  const fail = value('fail');
  if (pass === undefined || fail === undefined) return undefined;
  return { passed: pass, failed: fail + (value('cancelled') ?? 0), skipped: (value('skipped') ?? 0) + (value('todo') ?? 0) };
}

/**
 * Counts from the extension host's events. The final `end` event is authoritative; without one the run
 * was cut short, so the tests reported so far are counted and the missing end is one more failure.
 */
export function countsFromEvents(events: TestEvent[]): { counts: Counts; finished: boolean } {
  const end = events.find((e) => e.event === 'end');
  if (end) return { counts: { passed: end.passed, failed: end.failed, skipped: end.pending }, finished: true };
  const count = (kind: TestEvent['event']) => events.filter((e) => e.event === kind).length;
  return { counts: { passed: count('pass'), failed: count('fail') + 1, skipped: count('pending') }, finished: false };
}

/**
 * Counts from a JUnit XML report (pytest --junitxml): the <testsuite> totals. Errors (a fixture or collection that
 * failed) count as failed. Undefined when the report has no suite.
 */
export function countsFromJunit(xml: string): Counts | undefined {
  const suite = /<testsuite\b([^>]*)>/.exec(xml)?.[1];
  if (suite === undefined) return undefined;
  const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
  const failed = attr('failures') + attr('errors');
  const skipped = attr('skipped');
  return { passed: attr('tests') - failed - skipped, failed, skipped };
}
