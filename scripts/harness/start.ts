// `npm start`: builds, starts a private code-server with MLBTC Studio loaded as a development extension
// (the repository itself, like F5 in desktop VS Code), opens examples/, prints the URL, and rebuilds on
// every change (reload the browser window to pick it up). Ctrl-C stops the server and the watcher.
//   npm start                    dark theme
//   npm start -- --theme=light
//   npm start -- --trust-prompt  open examples/ in Restricted Mode until trusted
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startCodeServer, type Theme } from './code-server';
import { examplesDir, repoRoot } from './paths';
import { killGroup, onCleanup, spawnGroup } from './processes';

async function start(args: string[]): Promise<void> {
  const theme = (args.find((a) => a.startsWith('--theme='))?.slice('--theme='.length) ?? 'dark') as Theme;
  if (theme !== 'dark' && theme !== 'light') throw new Error(`--theme must be dark or light, not "${theme}"`);

  console.log('[start] building');
  await new Promise<void>((resolve, reject) => {
    spawn(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' }).on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`the build failed (exit ${code})`)),
    );
  });
  const watcher = spawnGroup(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs'), '--watch'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  onCleanup(() => killGroup(watcher.pid!));

  const server = await startCodeServer({ theme, disableWorkspaceTrust: !args.includes('--trust-prompt'), log: console.log });
  const url = server.url({ folder: examplesDir, extensionDevelopmentPath: repoRoot });
  console.log(
    `\nMLBTC Studio is running in VS Code (code-server) at:\n\n  ${url}\n\nOpen it in a browser on this machine. Edits rebuild automatically; reload the window to load them. Ctrl-C stops everything.\n`,
  );
}

start(process.argv.slice(2)).catch((error: Error) => {
  console.error(`[start] ${error.message}`);
  process.exit(1); // the 'exit' hook kills whatever was already started
});
