// The tests module the workbench loads into the extension host (extensionTestsPath): runs every bundled
// test/integration/**/*.test.ts with mocha and reports each result to the harness (see
// scripts/harness/test-events.ts). Resolving means success; rejecting makes the workbench exit with 1.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import { findFiles } from '../../scripts/harness/find-files';
import { grepEnvVar, resultsEnvVar, type TestEvent } from '../../scripts/harness/test-events';

export async function run(): Promise<void> {
  const grep = process.env[grepEnvVar];
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    // The extension host on a busy 2-core machine: activation and first document opens take seconds.
    timeout: 30_000,
    reporter: ResultsReporter,
    ...(grep ? { grep: new RegExp(grep) } : {}),
  });
  const files = findFiles(path.join(__dirname, 'integration'), '.test.js');
  if (files.length === 0) throw new Error(`no bundled tests in ${path.join(__dirname, 'integration')}: run the harness, not this file`);
  for (const file of files) mocha.addFile(file);
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}

/** The spec reporter (for the extension host's console) plus one JSON line per result for the harness. */
class ResultsReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const file = process.env[resultsEnvVar];
    if (!file) return;
    const write = (event: TestEvent) => appendFileSync(file, `${JSON.stringify(event)}\n`);
    const { constants } = Mocha.Runner;
    const where = (t: Mocha.Runnable) => (t.file ? { file: t.file } : {});
    let passed = 0;
    let failed = 0;
    let pending = 0;
    runner.once(constants.EVENT_RUN_BEGIN, () => write({ event: 'start', total: runner.total }));
    runner.on(constants.EVENT_TEST_PASS, (test) => {
      passed++;
      write({ event: 'pass', title: test.fullTitle(), durationMs: test.duration ?? 0, ...where(test) });
    });
    // Also fires for failing hooks ("before all" hook for ...), which mocha counts as failures too.
    runner.on(constants.EVENT_TEST_FAIL, (test, error: Error) => {
      failed++;
      write({
        event: 'fail',
        title: test.fullTitle(),
        message: error?.message ?? String(error),
        stack: error?.stack ?? '',
        ...where(test),
      });
    });
    runner.on(constants.EVENT_TEST_PENDING, (test) => {
      pending++;
      write({ event: 'pending', title: test.fullTitle(), ...where(test) });
    });
    runner.once(constants.EVENT_RUN_END, () => write({ event: 'end', passed, failed, pending }));
  }
}
