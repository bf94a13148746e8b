/** Builds the real CLI bundle once per test file (scripts/build.mjs --only=cli) and runs it (not a test file). */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repo = path.join(__dirname, '..', '..');
export const examples = path.join(repo, 'examples');
/** The paper's exact settings (examples/ itself holds the scaled-down ones that train in minutes). */
export const paperExamples = path.join(examples, 'paper');

let built: string | undefined;

/** Cleanup at process exit: a node:test `after` called inside a test would fire when that one test ends. */
function removeOnExit(dir: string): void {
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
}

/** Path of a freshly bundled dist-like cli.js in a temporary folder, removed when the test process exits. */
export function cli(): string {
  if (!built) {
    const out = mkdtempSync(path.join(os.tmpdir(), 'mlbtc-cli-test-'));
    execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs'), '--only=cli', `--outdir=${out}`], {
      cwd: repo,
      stdio: 'pipe',
    });
    built = path.join(out, 'cli.js');
    removeOnExit(out);
  }
  return built;
}

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the bundled CLI; `env` replaces the environment (e.g. to hide every Python). */
export function mlbtc(args: string[], cwd = examples, env?: NodeJS.ProcessEnv): Ran {
  const r = spawnSync(process.execPath, [cli(), ...args], { cwd, encoding: 'utf8', timeout: 30_000, ...(env ? { env } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temporary folder for test files, removed when the test process exits. */
export function scratch(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlbtc-cli-files-'));
  removeOnExit(dir);
  return dir;
}

/** 1-based line and column of the first occurrence of `needle`, counted by hand. */
export function position(text: string, needle: string): { line: number; column: number } {
  const before = text.slice(0, text.indexOf(needle));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}
