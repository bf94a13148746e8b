// Installs code-server (a whole VS Code: server, web workbench and a real Node extension host) into the
// git-ignored .cache/code-server on demand. Idempotent: a marker written only after the installation was
// verified makes later calls a single file read.
//
// Run directly (CI does): node --import tsx scripts/harness/code-server-install.ts
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codeServerPrefix, codeServerVersion } from './paths';
import { sleep } from './processes';

const packageDir = path.join(codeServerPrefix, 'node_modules', 'code-server');
const vscodeDir = path.join(packageDir, 'lib', 'vscode');
const markerFile = path.join(codeServerPrefix, 'installed.json');
const logFile = path.join(codeServerPrefix, 'install.log');
const lockDir = `${codeServerPrefix}.lock`;

/** The code-server launcher script. */
export const codeServerBin = path.join(packageDir, 'out', 'node', 'entry.js');

interface Marker {
  version: string;
  node: string;
}

/** Returns the path of code-server's entry script, installing it first when needed. */
export async function ensureCodeServer(log: (line: string) => void = console.log): Promise<string> {
  if (isInstalled()) return codeServerBin;
  await withInstallLock(async () => {
    if (isInstalled()) return; // another process finished it while we waited for the lock
    install(log);
  });
  return codeServerBin;
}

function isInstalled(): boolean {
  if (!existsSync(markerFile) || !existsSync(codeServerBin)) return false;
  try {
    const marker = JSON.parse(readFileSync(markerFile, 'utf8')) as Marker;
    // Native modules (node-pty, spdlog, kerberos) are built for one Node ABI: a new major means a rebuild.
    return marker.version === codeServerVersion && marker.node === nodeMajor();
  } catch {
    return false;
  }
}

function nodeMajor(): string {
  return process.versions.node.split('.')[0]!;
}

function install(log: (line: string) => void): void {
  if (nodeMajor() !== '20') {
    throw new Error(
      `code-server ${codeServerVersion} needs Node 20 (its install script refuses others); this is Node ${process.versions.node}.`,
    );
  }
  rmSync(markerFile, { force: true });
  mkdirSync(codeServerPrefix, { recursive: true });
  seedRipgrepCache();
  // A private package.json: `npm install --prefix` records the pinned version there, and npm 11's
  // allowScripts policy approves the two install scripts by name (today npm only warns about unapproved
  // scripts and still runs them; the policy keeps this working once it starts skipping them).
  writeFileSync(
    path.join(codeServerPrefix, 'package.json'),
    JSON.stringify({ name: 'mlbtc-code-server-cache', private: true, allowScripts: { 'code-server': true, argon2: true } }, null, 2),
  );
  log(
    `[code-server] installing code-server ${codeServerVersion} into ${path.relative(process.cwd(), codeServerPrefix) || '.'} (about a minute; log: ${logFile})`,
  );
  const started = Date.now();
  const result = spawnSync(
    'npm',
    ['install', '--prefix', codeServerPrefix, '--save-exact', '--no-audit', '--no-fund', `code-server@${codeServerVersion}`],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        // code-server's postinstall.sh refuses to run as root unless this is set (CI runs as root).
        npm_config_unsafe_perm: 'true',
        // node-pty's install script calls npx, which would otherwise ask before fetching a package.
        npm_config_yes: 'true',
      },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 15 * 60_000,
    },
  );
  writeFileSync(logFile, `${result.stdout ?? ''}\n${result.stderr ?? ''}`);
  if (result.status !== 0) {
    throw new Error(
      `npm install code-server@${codeServerVersion} failed (exit ${result.status ?? result.signal}); see ${logFile}:\n${tail(result.stderr)}`,
    );
  }
  verifyInstall();
  writeFileSync(markerFile, JSON.stringify({ version: codeServerVersion, node: nodeMajor() } satisfies Marker));
  log(`[code-server] installed and verified in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * @vscode/ripgrep's postinstall downloads rg from GitHub, which is unreachable here. It first looks in its
 * download cache, so we put Debian's rg (apt package `ripgrep`, 13.0.0) there under the expected name.
 * The names come from the @vscode/ripgrep 1.15.11 that code-server 4.100.3 depends on.
 */
function seedRipgrepCache(): void {
  const target = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' }[process.arch as string];
  if (process.platform !== 'linux' || !target)
    throw new Error(`code-server install: only linux x64/arm64 are supported, not ${process.platform} ${process.arch}.`);
  const rg = findOnPath('rg');
  if (!rg)
    throw new Error('code-server install needs ripgrep: run `apt-get install -y ripgrep` (its npm package cannot download rg offline).');
  const cacheDir = path.join(os.tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const archive = path.join(cacheDir, `ripgrep-v13.0.0-10-${target}.tar.gz`);
  if (existsSync(archive) && statSync(archive).size > 0) return;
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(path.join(os.tmpdir(), 'mlbtc-rg-'));
  try {
    execFileSync('cp', [rg, path.join(staging, 'rg')]);
    execFileSync('tar', ['czf', `${archive}.tmp`, '-C', staging, 'rg']);
    execFileSync('mv', [`${archive}.tmp`, archive]);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Proves the install scripts really ran (npm 11 can skip dependency scripts silently and still exit 0):
 * postinstall.sh installs VS Code's own dependencies, builds node-pty and links node_modules.asar; and
 * the server answers --version.
 */
function verifyInstall(): void {
  const expected = [
    ['node_modules/node-pty/build/Release/pty.node', 'node-pty was not built'],
    ['node_modules/@vscode/ripgrep/bin/rg', "@vscode/ripgrep's postinstall did not place rg"],
    ['node_modules.asar', 'postinstall.sh did not link node_modules.asar'],
    ['extensions/node_modules', "the built-in extensions' dependencies are missing"],
  ] as const;
  for (const [file, meaning] of expected) {
    if (!existsSync(path.join(vscodeDir, file))) {
      throw new Error(
        `code-server installed but ${meaning} (${path.join(vscodeDir, file)} is missing): npm skipped its install scripts. ` +
          `Check ${logFile}; npm must run scripts (no --ignore-scripts, npm_config_unsafe_perm=true as root).`,
      );
    }
  }
  const home = mkdtempSync(path.join(os.tmpdir(), 'mlbtc-code-server-version-'));
  try {
    const config = path.join(home, 'config.yaml');
    writeFileSync(config, 'auth: none\n');
    const out = execFileSync(process.execPath, [codeServerBin, '--config', config, '--version'], {
      encoding: 'utf8',
      env: isolatedEnv(home),
      timeout: 60_000,
    });
    if (!out.startsWith(codeServerVersion)) throw new Error(`code-server --version printed "${out.trim()}", expected ${codeServerVersion}`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * An environment that keeps code-server out of the real home folder: without it, it writes
 * ~/.config/code-server/config.yaml and ~/.local/share/code-server/coder-logs even when given --config and
 * --user-data-dir.
 */
export function isolatedEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_CONFIG_HOME: path.join(home, 'xdg-config'),
    XDG_DATA_HOME: path.join(home, 'xdg-data'),
    XDG_CACHE_HOME: path.join(home, 'xdg-cache'),
    ...extra,
  };
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function tail(text: string | undefined, lines = 30): string {
  return (text ?? '').trimEnd().split('\n').slice(-lines).join('\n');
}

/** A lock folder (mkdir is atomic) so parallel test processes never run two installs into one folder. */
async function withInstallLock(fn: () => Promise<void>): Promise<void> {
  const staleMs = 20 * 60_000;
  mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir, { recursive: false });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() - statSync(lockDir).mtimeMs > staleMs) rmSync(lockDir, { recursive: true, force: true });
      else await sleep(500);
    }
  }
  try {
    await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  ensureCodeServer().then(
    (bin) => console.log(`[code-server] ready: ${bin}`),
    (error: Error) => {
      console.error(`[code-server] ${error.message}`);
      process.exit(1);
    },
  );
}
