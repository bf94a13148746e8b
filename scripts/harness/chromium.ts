// Debian's chromium driven by playwright-core. `playwright install` would download a browser, which is
// impossible here, so the executable is always the system one.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { chromiumPath } from './paths';
import { onCleanup } from './processes';

/** Flags that work in a root container without a GPU or network. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  return (await launchKillableChromium()).browser;
}

/**
 * Chromium with a way to kill it: SIGKILL, so the pages vanish without a word to the servers they talk to, as a
 * browser does when a laptop closes or a network drops (a code-server extension host then lives on for minutes).
 */
export async function launchKillableChromium(): Promise<{ browser: Browser; kill: () => void }> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `chromium not found at ${chromiumPath}: install it with \`apt-get install -y chromium\` or point MLBTC_CHROMIUM at a chromium binary.`,
    );
  }
  // Chromium keeps its crash-report database under $XDG_CONFIG_HOME/chromium: point that away from $HOME.
  const home = mkdtempSync(path.join(os.tmpdir(), 'mlbtc-chromium-'));
  // A browser server (rather than chromium.launch) is what exposes the browser's process.
  const server = await chromium.launchServer({
    executablePath: chromiumPath,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') },
    headless: true,
    args: chromiumArgs,
    timeout: 60_000,
    // The harness owns signal handling (processes.ts) so that browser and server go down together.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const browser = await chromium.connect(server.wsEndpoint());
  const unregister = onCleanup(() => server.close());
  browser.on('disconnected', () => {
    unregister();
    void server.close().finally(() => rmSync(home, { recursive: true, force: true }));
  });
  return { browser, kill: () => server.process().kill('SIGKILL') };
}
