// `npm run test:electron`: the integration tests (the same out/test bundle as `npm run test:integration`)
// in desktop VS Code, downloaded by @vscode/test-electron into .vscode-test/. For machines that can reach
// update.code.visualstudio.com; this project's own machines cannot, and use code-server instead.
// On a Linux machine without a display: xvfb-run -a npm run test:electron
import { runTests } from '@vscode/test-electron';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleIntegrationTests } from '../../scripts/harness/bundle-integration';
import { countsFromEvents, formatCounts } from '../../scripts/harness/counts';
import { examplesDir, repoRoot } from '../../scripts/harness/paths';
import { parseEvents, resultsEnvVar } from '../../scripts/harness/test-events';

/** The VS Code inside code-server 4.100.3, so both runners test against the same version. */
const vscodeVersion = '1.100.3';

async function main(): Promise<number> {
  if (!existsSync(path.join(repoRoot, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');
  const bundle = await bundleIntegrationTests();
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlbtc-electron-'));
  const workspace = path.join(work, 'workspace');
  if (existsSync(examplesDir)) cpSync(examplesDir, workspace, { recursive: true });
  else mkdirSync(workspace);
  const resultsFile = path.join(work, 'results.jsonl');
  let runError: Error | undefined;
  try {
    await runTests({
      version: vscodeVersion,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: bundle.indexFile,
      extensionTestsEnv: { [resultsEnvVar]: resultsFile },
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${path.join(work, 'user')}`,
        `--extensions-dir=${path.join(work, 'extensions')}`,
        // Electron refuses to run as root with its sandbox on.
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ],
    });
  } catch (error) {
    runError = error as Error;
  }
  const events = existsSync(resultsFile) ? parseEvents(readFileSync(resultsFile, 'utf8')) : [];
  rmSync(work, { recursive: true, force: true });
  if (events.length === 0 && runError) {
    console.error(`[electron] VS Code ${vscodeVersion} did not run the tests: ${runError.message}`);
    console.error('[electron] without access to update.code.visualstudio.com use `npm run test:integration` (code-server) instead');
    console.log(formatCounts({ passed: 0, failed: 1, skipped: 0 }));
    return 1;
  }
  const { counts, finished } = countsFromEvents(events);
  if (!finished) console.error('[electron] the run ended without mocha reporting its end (VS Code crashed or was killed)');
  console.log(formatCounts(counts));
  return counts.failed > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    console.error(`[electron] ${error.message}`);
    console.log(formatCounts({ passed: 0, failed: 1, skipped: 0 }));
    process.exitCode = 1;
  },
);
