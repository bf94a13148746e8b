// Runs the integration tests inside a real VS Code extension host: code-server serves the workbench,
// headless chromium opens it with the repository as a development extension and out/test/index.js as
// the tests module, and the mocha runner in the host reports each result through a file.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveArtifact, saveScreenshot } from './artifacts';
import { bundleIntegrationTests, type BundleOptions } from './bundle-integration';
import { launchChromium } from './chromium';
import { startCodeServer, type CodeServer, type Theme } from './code-server';
import { countsFromEvents, type Counts } from './counts';
import { examplesDir, repoRoot } from './paths';
import { withTimeout } from './processes';
import { grepEnvVar, parseEvents, resultsEnvVar, type TestEvent } from './test-events';

export interface IntegrationOptions extends BundleOptions {
  /** The extension under test (a folder with package.json). Default: the repository. */
  extensionPath?: string;
  /** Copied to a temp folder that becomes the workspace, so tests may edit files freely. Default: examples/. */
  workspaceSource?: string;
  /** Mocha grep (a regular expression); default $MLBTC_TEST_GREP. */
  grep?: string;
  /** Extra environment for the extension host. */
  env?: NodeJS.ProcessEnv;
  theme?: Theme;
  /** The whole run, from opening the workbench to the tests module's result. Default 15 min. */
  timeoutMs?: number;
  /** Prefix of the screenshot and log kept in test-results/ when the run fails. */
  artifactsName?: string;
  log?: (line: string) => void;
}

export const defaultIntegrationTimeoutMs = 15 * 60_000;

export interface IntegrationResult {
  counts: Counts;
  events: TestEvent[];
  /** Why the run counts as failed beyond failing tests (timeout, crash, inconsistent exit code). */
  problems: string[];
}

export async function runIntegration(options: IntegrationOptions = {}): Promise<IntegrationResult> {
  const log = options.log ?? console.log;
  const extensionPath = options.extensionPath ?? repoRoot;
  assertExtensionBuilt(extensionPath);
  const bundle = await bundleIntegrationTests(options);
  log(`[integration] ${bundle.testFiles.length} test file(s) bundled into ${path.relative(repoRoot, path.dirname(bundle.indexFile))}`);

  const work = mkdtempSync(path.join(os.tmpdir(), 'mlbtc-integration-'));
  const workspace = path.join(work, 'workspace');
  const source = options.workspaceSource ?? examplesDir;
  if (existsSync(source)) cpSync(source, workspace, { recursive: true });
  else mkdirSync(workspace);
  const resultsFile = path.join(work, 'results.jsonl');
  const grep = options.grep ?? process.env[grepEnvVar];
  const artifacts = options.artifactsName ?? 'integration';

  const problems: string[] = [];
  let events: TestEvent[] = [];
  const consoleLines: string[] = [];
  let server: CodeServer;
  try {
    server = await startCodeServer({
      theme: options.theme,
      env: { ...options.env, [resultsEnvVar]: resultsFile, ...(grep ? { [grepEnvVar]: grep } : {}) },
      log,
    });
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  try {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
      let exited!: (code: number) => void;
      const exitCode = new Promise<number>((resolve) => (exited = resolve));
      // The workbench calls this when the tests module has settled (0: resolved, 1: rejected).
      await page.exposeFunction('codeAutomationExit', (code: number) => exited(code));
      const printer = startPrinter(resultsFile, log);
      try {
        await page.goto(server.url({ folder: workspace, extensionDevelopmentPath: extensionPath, extensionTestsPath: bundle.indexFile }));
        const code = await withTimeout(
          exitCode,
          options.timeoutMs ?? defaultIntegrationTimeoutMs,
          'the integration suite did not finish: the workbench or a test hung',
        );
        if (code !== 0 && !parseEvents(readIfExists(resultsFile)).some((e) => e.event === 'fail')) {
          problems.push(
            `the workbench exited with code ${code} but no test failed: the tests module or the extension host failed before or after the tests`,
          );
        }
      } catch (error) {
        problems.push((error as Error).message);
      } finally {
        printer.stop();
        if (problems.length > 0) {
          const shot = await saveScreenshot(page, `${artifacts}-failure.png`);
          if (shot) log(`[integration] screenshot: ${shot}`);
        }
      }
    } finally {
      await browser.close();
    }
  } finally {
    events = parseEvents(readIfExists(resultsFile));
    const failed = problems.length > 0 || events.some((e) => e.event === 'fail') || !events.some((e) => e.event === 'end');
    if (failed) {
      log(`[integration] extension host log: ${saveArtifact(`${artifacts}-exthost.log`, server.extensionHostLog())}`);
      log(`[integration] browser console: ${saveArtifact(`${artifacts}-console.log`, consoleLines.join('\n'))}`);
    }
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return finish(events, problems, log);
}

/**
 * Each problem counts as one failed test. A run without mocha's end event already counts one failure in
 * countsFromEvents; when a known problem (a timeout) explains it, that failure is the problem's.
 */
function finish(events: TestEvent[], problems: string[], log: (line: string) => void): IntegrationResult {
  const { counts, finished } = countsFromEvents(events);
  let failed = counts.failed + problems.length;
  if (!finished) {
    if (problems.length > 0) failed -= 1;
    else problems.push('the test run ended without mocha reporting its end (the extension host crashed or never loaded the tests)');
  }
  for (const p of problems) log(`[integration] ✗ ${p}`);
  return { counts: { ...counts, failed }, events, problems };
}

/** Prints each result as the extension host reports it, by polling the results file. */
function startPrinter(file: string, log: (line: string) => void): { stop: () => void } {
  let printed = 0;
  const print = () => {
    const events = parseEvents(readIfExists(file));
    for (const e of events.slice(printed)) {
      if (e.event === 'pass') log(`  ✓ ${e.title} (${e.durationMs ?? 0} ms)`);
      else if (e.event === 'pending') log(`  - ${e.title} (skipped)`);
      else if (e.event === 'fail') log(`  ✗ ${e.title}\n      ${(e.stack || e.message).split('\n').join('\n      ')}`);
    }
    printed = events.length;
  };
  const timer = setInterval(print, 250);
  return {
    stop: () => {
      clearInterval(timer);
      print();
    },
  };
}

function readIfExists(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** The development extension must be built: the host loads its `main` from disk. */
function assertExtensionBuilt(extensionPath: string): void {
  const manifest = path.join(extensionPath, 'package.json');
  if (!existsSync(manifest)) throw new Error(`no extension at ${extensionPath}: ${manifest} is missing`);
  const main = (JSON.parse(readFileSync(manifest, 'utf8')) as { main?: string }).main;
  if (main && !existsSync(path.join(extensionPath, main))) {
    throw new Error(`${path.join(extensionPath, main)} (package.json "main") does not exist: run \`npm run build\` first`);
  }
}
