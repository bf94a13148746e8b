// Where the harness keeps things. One place, so the installer, the launcher, `npm start` and the test
// runners agree on every folder.
import os from 'node:os';
import path from 'node:path';

/** The repository root (this file lives in scripts/harness/). */
export const repoRoot = path.resolve(__dirname, '..', '..');

/**
 * code-server 4.100.3 ships VS Code 1.100.3, the newest whose server still runs on Node 20.
 * package.json pins engines.vscode ^1.100.0 to match.
 */
export const codeServerVersion = '4.100.3';

/**
 * Where code-server is installed: a cache OUTSIDE the repository (override: MLBTC_CODE_SERVER_DIR).
 * Choice: not .cache/code-server inside the repository, because the repository is the development
 * extension, and a VS Code whose built-in extensions lie inside a development extension's folder loses
 * their contributions: measured with code-server in .cache/, the configured theme silently fell back to
 * Default Light+ (the same install outside the folder applies it).
 */
export const codeServerPrefix =
  process.env.MLBTC_CODE_SERVER_DIR ??
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mlbtc-studio', `code-server-${codeServerVersion}`);

/** Screenshots, logs of failed runs and other artefacts worth keeping after a run (git-ignored). */
export const testResultsDir = path.join(repoRoot, 'test-results');

/** esbuild output for the integration tests that run inside the extension host (git-ignored). */
export const integrationOutDir = path.join(repoRoot, 'out', 'test');

export const examplesDir = path.join(repoRoot, 'examples');
export const distDir = path.join(repoRoot, 'dist');

/** Debian's chromium (apt package `chromium`); playwright never downloads a browser here. */
export const chromiumPath = process.env.MLBTC_CHROMIUM ?? '/usr/bin/chromium';
