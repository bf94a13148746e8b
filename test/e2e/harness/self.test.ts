// The harness tests itself: a fixture extension and a fixture mocha suite (fixtures/) run through the
// same integration runner as the real tests, and what comes back out of the extension host must be
// exactly the fixture's outcomes: counts, failure messages, a hang turned into a failure, no leftovers.
import * as assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runIntegration, type IntegrationOptions } from '../../../scripts/harness/integration';
import { findProcessesWithEnv } from '../../../scripts/harness/processes';

const fixtures = path.join(__dirname, 'fixtures');

function fixtureRun(marker: string, options: IntegrationOptions) {
  const lines: string[] = [];
  return runIntegration({
    extensionPath: path.join(fixtures, 'extension'),
    testsDir: path.join(fixtures, 'integration'),
    // Inside the fixture extension, so the host maps the tests to it and `mocha` resolves from the repo.
    outDir: path.join(fixtures, 'extension', 'out', 'test'),
    workspaceSource: path.join(fixtures, 'workspace'),
    env: { MLBTC_FIXTURE_MARK: marker },
    artifactsName: 'harness-self',
    log: (line) => lines.push(line),
    ...options,
  }).then((result) => ({ ...result, output: lines.join('\n') }));
}

describe('integration harness on a fixture suite', () => {
  it('brings back one count per outcome and the failure message', async () => {
    const marker = 'inherited';
    // Everything except the test that never ends.
    const result = await fixtureRun(marker, { grep: '^(?!.*hangs forever)' });
    assert.deepEqual(result.counts, { passed: 1, failed: 1, skipped: 1 });
    assert.deepEqual(result.problems, []);
    const failure = result.events.find((e) => e.event === 'fail');
    assert.ok(failure && failure.event === 'fail');
    assert.equal(failure.title, 'harness fixture fails on purpose');
    assert.match(failure.message, /deliberate failure/);
    assert.match(result.output, /✓ harness fixture runs inside the extension host/);
    // The server, its extension host and watchers all inherited the marker; none may survive the run.
    assert.deepEqual(findProcessesWithEnv('MLBTC_FIXTURE_MARK', marker), []);
  });

  it('turns a hung test into a failure with a message once the time limit passes', async () => {
    const marker = `hang-${process.pid}`;
    const started = Date.now();
    const result = await fixtureRun(marker, { grep: 'hangs forever', timeoutMs: 15_000 });
    const elapsed = Date.now() - started;
    assert.deepEqual(result.counts, { passed: 0, failed: 1, skipped: 0 });
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0]!, /did not finish.*timed out after 15 s/);
    // Generous bound: start-up and teardown on a busy machine, but never the hang itself.
    assert.ok(elapsed < 120_000, `the run stopped (took ${elapsed} ms)`);
    assert.deepEqual(findProcessesWithEnv('MLBTC_FIXTURE_MARK', marker), []);
  });
});
