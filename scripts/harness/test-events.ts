// What the mocha runner inside the extension host reports back to the harness outside it: one JSON object
// per line, appended to the file named by MLBTC_TEST_RESULTS (the server's environment is inherited by
// its extension hosts). A file, not the exit code, because the harness needs per-test counts and failure
// messages, and lines written so far survive an extension host that crashes mid-run.

export const resultsEnvVar = 'MLBTC_TEST_RESULTS';
/** Optional mocha `grep` (a regular expression) for running part of the integration suite. */
export const grepEnvVar = 'MLBTC_TEST_GREP';

export type TestEvent =
  | { event: 'start'; total: number }
  | { event: 'pass'; title: string; file?: string; durationMs?: number }
  | { event: 'fail'; title: string; file?: string; message: string; stack?: string }
  | { event: 'pending'; title: string; file?: string }
  | { event: 'end'; passed: number; failed: number; pending: number };

/** Parses the lines written so far; a torn last line (a crash mid-write) is ignored. */
export function parseEvents(text: string): TestEvent[] {
  const events: TestEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as TestEvent);
    } catch {
      // incomplete line
    }
  }
  return events;
}
