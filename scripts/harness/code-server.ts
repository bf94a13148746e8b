// Starts a private code-server on 127.0.0.1 with a port the OS picks, its own config, user data and
// extensions folders (nothing in $HOME), and stops it by killing its whole process group.
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { codeServerBin, ensureCodeServer, isolatedEnv } from './code-server-install';
import { killGroup, onCleanup, spawnGroup, withTimeout } from './processes';
import { workbenchUrl, type WorkbenchTarget } from './workbench-url';

export type Theme = 'light' | 'dark';

/** Built-in themes of VS Code 1.100 (no extension needed). */
export const themeNames: Record<Theme, string> = { light: 'Default Light Modern', dark: 'Default Dark Modern' };

export interface CodeServerOptions {
  /** Colour theme of the workbench (user setting workbench.colorTheme). Default: dark. */
  theme?: Theme;
  /** More user settings (merged over the quiet defaults below). */
  settings?: Record<string, unknown>;
  /** Skip the workspace-trust prompt (default true). false: folders open in Restricted Mode until trusted. */
  disableWorkspaceTrust?: boolean;
  /** .vsix files installed into this instance's extensions folder before the server starts. */
  vsixFiles?: string[];
  /** Extra environment for the server; its extension hosts inherit it. */
  env?: NodeJS.ProcessEnv;
  /** Keep the instance folder after stop (its logs), e.g. for a failed run. Default false. */
  keepInstanceDir?: boolean;
  /** How long to wait for /healthz. Default 60 s. */
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface CodeServer {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  readonly instanceDir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** The workbench URL for a folder, optionally with a development extension and its tests module. */
  url(target: WorkbenchTarget): string;
  /** Everything the server printed so far. */
  output(): string;
  /** The remote extension host logs (activation, errors of extensions), newest session, concatenated. */
  extensionHostLog(): string;
  stop(): Promise<void>;
}

const quietSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  // The temp workspaces are not repositories; scanning for one only costs CPU on a 2-core machine.
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
};

export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  const log = options.log ?? (() => {});
  await ensureCodeServer(log);
  const instanceDir = mkdtempSync(path.join(os.tmpdir(), 'mlbtc-vscode-'));
  const userDataDir = path.join(instanceDir, 'user');
  const extensionsDir = path.join(instanceDir, 'extensions');
  const configFile = path.join(instanceDir, 'config.yaml');
  const serverLog = path.join(instanceDir, 'server.log');
  // Port 0: the OS picks a free port when code-server binds, so two parallel instances never race for one.
  writeFileSync(configFile, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  const settings = { ...quietSettings, 'workbench.colorTheme': themeNames[options.theme ?? 'dark'], ...options.settings };
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const env = isolatedEnv(instanceDir, options.env);
  const dirArgs = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  const removeInstance = () => {
    if (!options.keepInstanceDir) rmSync(instanceDir, { recursive: true, force: true });
  };
  try {
    for (const vsix of options.vsixFiles ?? []) await installVsix(dirArgs, env, vsix);
  } catch (error) {
    removeInstance();
    throw error;
  }

  const args = [codeServerBin, ...dirArgs, '--disable-telemetry', '--disable-update-check'];
  if (options.disableWorkspaceTrust ?? true) args.push('--disable-workspace-trust');
  const child = spawnGroup(process.execPath, args, { cwd: instanceDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    appendFileSync(serverLog, chunk);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= killGroup(child.pid!).then(() => {
      unregister();
      removeInstance();
    });
    return stopped;
  };
  const unregister = onCleanup(stop);

  try {
    const origin = await withTimeout(
      waitForListening(child, () => output),
      options.startTimeoutMs ?? 60_000,
      'code-server did not start listening',
    );
    await withTimeout(waitForHealthz(origin), options.startTimeoutMs ?? 60_000, `code-server at ${origin} never answered /healthz`);
    log(`[code-server] ${origin} (instance ${instanceDir})`);
    return {
      origin,
      instanceDir,
      userDataDir,
      extensionsDir,
      url: (target) => workbenchUrl(origin, target),
      output: () => output,
      extensionHostLog: () => readExtensionHostLog(userDataDir),
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\ncode-server output:\n${output.trimEnd() || '(none)'}`);
  }
}

function waitForListening(child: ReturnType<typeof spawnGroup>, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output());
      if (match) {
        child.stdout!.off('data', check);
        child.off('exit', exited);
        resolve(match[1]!);
      }
    };
    const exited = (code: number | null, signal: string | null) =>
      reject(new Error(`code-server exited before listening (code ${code}, signal ${signal})`));
    child.stdout!.on('data', check);
    child.once('exit', exited);
    check();
  });
}

async function waitForHealthz(origin: string): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(`${origin}/healthz`);
      if (response.ok) return;
    } catch {
      // not accepting connections yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function installVsix(dirArgs: string[], env: NodeJS.ProcessEnv, vsix: string): Promise<void> {
  if (!existsSync(vsix)) throw new Error(`cannot install ${vsix}: no such file (run \`npm run package\` first)`);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [codeServerBin, ...dirArgs, '--install-extension', vsix], {
      env,
      timeout: 120_000,
    });
    if (!/successfully installed/i.test(stdout)) throw new Error(`code-server --install-extension ${vsix} printed no success:\n${stdout}`);
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`installing ${vsix} into code-server failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** VS Code writes the remote extension host's log to <user-data>/logs/<session>/exthost<N>/remoteexthost.log. */
function readExtensionHostLog(userDataDir: string): string {
  const logsDir = path.join(userDataDir, 'logs');
  if (!existsSync(logsDir)) return '';
  const sessions = readdirSync(logsDir).sort();
  const newest = sessions.at(-1);
  if (!newest) return '';
  const sessionDir = path.join(logsDir, newest);
  return readdirSync(sessionDir)
    .filter((d) => d.startsWith('exthost'))
    .sort()
    .map((d) => path.join(sessionDir, d, 'remoteexthost.log'))
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}
