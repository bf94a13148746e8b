// `npm test`: typecheck, lint, build, unit, python, integration and e2e in that order, each suite's summary, and one
// final line `N passed, N failed[, N skipped]` over all of them. Exit code 1 when anything failed or a
// suite could not run (which counts as one failed test, so the final line never hides it).
// Choices: typecheck and build each count as one test; integration and e2e always build first (the
// extension host loads dist/), so `npm run test:integration` reports the build too; processes a suite
// leaves behind are killed and count as one failure of that suite.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureCodeServer } from './code-server-install';
import { addCounts, countsFromJunit, countsFromTap, formatCounts, noTests, type Counts } from './counts';
import { testPython } from './python';
import { findFiles } from './find-files';
import { defaultIntegrationTimeoutMs, runIntegration } from './integration';
import { repoRoot } from './paths';
import { describeProcess, findProcessesWithEnv, killGroup, onCleanup, spawnGroup } from './processes';

export const suiteNames = ['typecheck', 'lint', 'build', 'unit', 'python', 'integration', 'e2e'] as const;
export type SuiteName = (typeof suiteNames)[number];

/** Inherited by every process a run starts; the leak check looks for it after each suite. */
const runMarkerVar = 'MLBTC_TEST_RUN';

interface SuiteResult {
  counts: Counts;
  /** Why the suite failed beyond failing tests, for the summary. */
  notes: string[];
}

const minutes = (n: number) => n * 60_000;
/** Whole-suite limits: a hung workbench or test fails the suite with a message instead of hanging CI. */
const suiteTimeoutMs: Record<SuiteName, number> = {
  typecheck: minutes(5),
  lint: minutes(5),
  python: minutes(15),
  build: minutes(5),
  unit: Number(process.env.MLBTC_UNIT_TIMEOUT_MS ?? minutes(20)),
  integration: Number(process.env.MLBTC_INTEGRATION_TIMEOUT_MS ?? defaultIntegrationTimeoutMs),
  e2e: Number(process.env.MLBTC_E2E_TIMEOUT_MS ?? minutes(20)),
};

/**
 * node:test's --test-timeout. Node 20 applies it to each test file's process as a whole, not only to each
 * test (measured), so it is a per-file limit: a hung file fails alone, and the suite keeps its report.
 */
const fileTimeoutMs = minutes(10);

/** Parses `node scripts/test.mjs [suite ...]` and runs. Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => !(suiteNames as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`unknown suite(s): ${unknown.join(', ')}; expected any of: ${suiteNames.join(', ')}`);
    return 2;
  }
  const selected = argv.length > 0 ? new Set(argv as SuiteName[]) : new Set(suiteNames);
  // The extension host and the browser load the built bundles: build first whenever they run.
  if (selected.has('integration') || selected.has('e2e')) selected.add('build');
  process.env[runMarkerVar] ??= `${process.pid}-${Date.now()}`;

  const results: [SuiteName, SuiteResult][] = [];
  for (const name of suiteNames.filter((s) => selected.has(s))) {
    const started = Date.now();
    console.log(`\n=== ${name} ===`);
    let result: SuiteResult;
    const buildFailed = results.some(([n, r]) => n === 'build' && r.counts.failed > 0);
    if (buildFailed && (name === 'integration' || name === 'e2e')) {
      result = { counts: { ...noTests, failed: 1 }, notes: ['not run: the build failed'] };
    } else {
      try {
        result = await runSuite(name);
      } catch (error) {
        result = { counts: { ...noTests, failed: 1 }, notes: [`could not run: ${(error as Error).message}`] };
      }
    }
    const leaked = reapLeftovers();
    if (leaked.length > 0) {
      result.counts.failed += 1;
      result.notes.push(`left ${leaked.length} process(es) running (now killed):\n    ${leaked.join('\n    ')}`);
    }
    results.push([name, result]);
    console.log(`[${name}] ${formatCounts(result.counts)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const note of result.notes) console.log(`[${name}] ✗ ${note}`);
  }

  console.log('\n=== summary ===');
  for (const [name, r] of results) console.log(`${name.padEnd(12)} ${formatCounts(r.counts)}${r.notes.length ? ' (see above)' : ''}`);
  const total = addCounts(...results.map(([, r]) => r.counts));
  console.log(formatCounts(total));
  return total.failed > 0 ? 1 : 0;
}

async function runSuite(name: SuiteName): Promise<SuiteResult> {
  switch (name) {
    case 'typecheck':
      return runStep(
        process.execPath,
        [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', repoRoot],
        suiteTimeoutMs.typecheck,
      );
    case 'lint': {
      // ESLint (correctness) and Prettier (formatting) are one test each, like typecheck.
      const bin = (pkg: string, file: string) => path.join(repoRoot, 'node_modules', pkg, file);
      const eslint = await runStep(process.execPath, [bin('eslint', 'bin/eslint.js'), '.'], suiteTimeoutMs.lint);
      const prettier = await runStep(
        process.execPath,
        [bin('prettier', 'bin/prettier.cjs'), '--check', '--log-level=warn', '.'],
        suiteTimeoutMs.lint,
      );
      return { counts: addCounts(eslint.counts, prettier.counts), notes: [...eslint.notes, ...prettier.notes] };
    }
    case 'build':
      return runStep(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], suiteTimeoutMs.build);
    case 'python':
      return runPytest(suiteTimeoutMs.python);
    case 'unit':
      return runNodeTests(findFiles(path.join(repoRoot, 'test', 'unit'), '.test.ts'), suiteTimeoutMs.unit, [
        `--test-timeout=${fileTimeoutMs}`,
      ]);
    case 'integration': {
      await ensureCodeServer();
      const { counts, problems } = await runIntegration({ timeoutMs: suiteTimeoutMs.integration });
      return { counts, notes: problems };
    }
    case 'e2e': {
      await ensureCodeServer();
      // One workbench at a time: each file starts its own code-server and chromium.
      return runNodeTests(findFiles(path.join(repoRoot, 'test', 'e2e'), '.test.ts'), suiteTimeoutMs.e2e, [
        '--test-concurrency=1',
        `--test-timeout=${fileTimeoutMs}`,
      ]);
    }
  }
}

/**
 * The PyTorch runtime's own tests (test/python, pytest) with the project's Python (testPython). A machine without one
 * skips them with the reason; CI installs it (.ci/run), so there they always run.
 */
async function runPytest(timeoutMs: number): Promise<SuiteResult> {
  const python = testPython();
  if (!python) {
    const why = `no Python with the project's venv (.venv/bin/python) and no MLBTC_PYTHON`;
    if (process.env.CI) return { counts: { ...noTests, failed: 1 }, notes: [`${why}: CI must install it (.ci/run)`] };
    console.log(`(skipped: ${why})`);
    return { counts: { ...noTests, skipped: 1 }, notes: [] };
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mlbtc-pytest-'));
  const junit = path.join(tmp, 'results.xml');
  try {
    const env = { PYTHONPATH: path.join(repoRoot, 'src', 'pytorch'), PYTHONDONTWRITEBYTECODE: '1' };
    const args = ['-m', 'pytest', 'test/python', '-p', 'no:cacheprovider', '-q', `--junitxml=${junit}`];
    const { code, timedOut } = await run(python, args, timeoutMs, 'inherit', env);
    const counts = existsSync(junit) ? countsFromJunit(readFileSync(junit, 'utf8')) : undefined;
    if (!counts)
      return {
        counts: { ...noTests, failed: 1 },
        notes: [timedOut ? `timed out after ${timeoutMs / 1000} s` : `pytest exited with ${code} and no report`],
      };
    return { counts, notes: code === 0 || counts.failed > 0 ? [] : [`pytest exited with ${code}`] };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A step that is one test: it passes when the command exits 0. Its output is shown only on failure. */
async function runStep(command: string, args: string[], timeoutMs: number): Promise<SuiteResult> {
  const { code, output, timedOut } = await run(command, args, timeoutMs, 'pipe');
  if (code === 0) return { counts: { ...noTests, passed: 1 }, notes: [] };
  process.stdout.write(output);
  return { counts: { ...noTests, failed: 1 }, notes: [timedOut ? `timed out after ${timeoutMs / 1000} s` : `exited with ${code}`] };
}

/**
 * node:test on the given files: the spec reporter for people on stdout, the TAP reporter into a file
 * whose final summary gives the counts.
 */
async function runNodeTests(files: string[], timeoutMs: number, extraArgs: string[]): Promise<SuiteResult> {
  if (files.length === 0) {
    console.log('(no test files)');
    return { counts: noTests, notes: [] };
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mlbtc-tap-'));
  const tapFile = path.join(tmp, 'results.tap');
  try {
    const args = [
      '--import',
      'tsx',
      '--test',
      ...extraArgs,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...files.map((f) => path.relative(repoRoot, f)),
    ];
    const { code, timedOut } = await run(process.execPath, args, timeoutMs, 'inherit');
    const counts = countsFromTap(readIfExists(tapFile));
    if (timedOut) {
      return {
        counts: addCounts(counts ?? noTests, { ...noTests, failed: 1 }),
        notes: [`timed out after ${timeoutMs / 1000} s and was stopped`],
      };
    }
    if (!counts) return { counts: { ...noTests, failed: 1 }, notes: [`the test runner exited with ${code} without a summary`] };
    if (code !== 0 && counts.failed === 0)
      return { counts: { ...counts, failed: 1 }, notes: [`the test runner exited with ${code} although no test failed`] };
    return { counts, notes: [] };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Runs a child in its own process group with a time limit; on timeout (or our own Ctrl-C) the group gets
 * SIGTERM so the test processes can stop their servers, then SIGKILL.
 */
function run(
  command: string,
  args: string[],
  timeoutMs: number,
  stdio: 'pipe' | 'inherit',
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawnGroup(command, args, { cwd: repoRoot, stdio: ['ignore', stdio, stdio], env: { ...process.env, ...env } });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    let timedOut = false;
    const stop = () => killGroup(child.pid!, 10_000);
    const unregister = onCleanup(stop);
    const timer = setTimeout(() => {
      timedOut = true;
      void stop();
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      unregister();
      resolve({ code, output, timedOut });
    });
  });
}

/** Kills what a suite left behind (found by the run marker in its environment) and describes it. */
function reapLeftovers(): string[] {
  const pids = findProcessesWithEnv(runMarkerVar, process.env[runMarkerVar]!);
  const described = pids.map(describeProcess).filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return described;
}

function readIfExists(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: Error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
