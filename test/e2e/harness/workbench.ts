// Page object for a VS Code workbench served by a private code-server and driven by headless chromium.
// One instance per test file: `const wb = await Workbench.open({ theme: 'light' })` in before(), and
// `await wb.close()` in after() (close is also run on Ctrl-C, SIGTERM or a crash).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { artifactPath, saveArtifact } from '../../../scripts/harness/artifacts';
import { launchKillableChromium } from '../../../scripts/harness/chromium';
import { startCodeServer, type CodeServer, type Theme } from '../../../scripts/harness/code-server';
import { findFiles } from '../../../scripts/harness/find-files';
import { examplesDir, repoRoot } from '../../../scripts/harness/paths';
import { onCleanup, sleep } from '../../../scripts/harness/processes';

export type { Theme };

export interface WorkbenchOptions {
  /** Default dark. Screenshots carry the theme in their name. */
  theme?: Theme;
  /** Folder copied to a temp workspace that the workbench opens (tests may edit it). Default examples/. */
  workspace?: string;
  /**
   * How MLBTC Studio is present. 'development' (default): the repository's built dist/ is loaded as a
   * development extension, like F5. { vsix }: the package is installed into this instance first.
   * 'none': a bare VS Code.
   */
  extension?: 'development' | 'none' | { vsix: string };
  /** More user settings. */
  settings?: Record<string, unknown>;
  /** false: the folder opens in Restricted Mode until trusted (for workspace-trust tests). Default true. */
  disableWorkspaceTrust?: boolean;
  /** Limit for the workbench to appear. Default 90 s. */
  readyTimeoutMs?: number;
}

export interface Problem {
  severity: 'error' | 'warning' | 'info';
  /** File name as the Problems panel shows it. */
  file: string;
  message: string;
  source?: string;
  code?: string;
  line?: number;
  column?: number;
}

export const extensionId = 'mlbtc.mlbtc-studio';

export class Workbench {
  private closed: Promise<void> | undefined;
  private readonly unregisterCleanup: () => void;

  private constructor(
    readonly page: Page,
    readonly server: CodeServer,
    private readonly browser: { browser: Browser; kill: () => void },
    /** Absolute path of the temp workspace folder. */
    readonly workspace: string,
    readonly theme: Theme,
    /** Another window of this one's server and folder (openAnotherWindow): closing it leaves both alone. */
    private readonly guest = false,
  ) {
    this.unregisterCleanup = onCleanup(() => this.close());
  }

  static async open(options: WorkbenchOptions = {}): Promise<Workbench> {
    const theme = options.theme ?? 'dark';
    const extension = options.extension ?? 'development';
    if (extension === 'development' && !existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
      throw new Error('dist/extension.js is missing: run `npm run build` before the e2e tests');
    }
    const workspace = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlbtc-e2e-')), 'workspace');
    const source = options.workspace ?? examplesDir;
    if (existsSync(source)) cpSync(source, workspace, { recursive: true });
    else mkdirSync(workspace);

    let server: CodeServer | undefined;
    let browser: { browser: Browser; kill: () => void } | undefined;
    try {
      server = await startCodeServer({
        theme,
        // The e2e suites drive the UI on the runtime that needs nothing installed (tfjs); a machine with torch (CI
        // exports the venv's Python) would otherwise train them with PyTorch. The torch path has its own
        // integration test (test/integration/runtime.test.ts).
        settings: { 'mlbtc.runtime': 'tfjs', ...options.settings },
        disableWorkspaceTrust: options.disableWorkspaceTrust,
        vsixFiles: typeof extension === 'object' ? [extension.vsix] : [],
      });
      browser = await launchKillableChromium();
      const page = await browser.browser.newPage({ viewport: { width: 1400, height: 900 } });
      const wb = new Workbench(page, server, browser, workspace, theme);
      await page.goto(server.url({ folder: workspace, ...(extension === 'development' ? { extensionDevelopmentPath: repoRoot } : {}) }));
      await wb.waitUntilReady(options.readyTimeoutMs ?? 90_000);
      return wb;
    } catch (error) {
      await browser?.browser.close();
      await server?.stop();
      rmSync(path.dirname(workspace), { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Another window on the same folder of the same server (with the development extension), in a browser of its own,
   * as a second desktop window or a second browser tab is. Its close() closes only its browser.
   */
  async openAnotherWindow(readyTimeoutMs = 90_000): Promise<Workbench> {
    const browser = await launchKillableChromium();
    try {
      const page = await browser.browser.newPage({ viewport: { width: 1400, height: 900 } });
      const wb = new Workbench(page, this.server, browser, this.workspace, this.theme, true);
      await page.goto(this.server.url({ folder: this.workspace, extensionDevelopmentPath: repoRoot }));
      await wb.waitUntilReady(readyTimeoutMs);
      return wb;
    } catch (error) {
      await browser.browser.close();
      throw error;
    }
  }

  /**
   * Kill this window's browser: the window vanishes without telling the server, whose extension host for it lives on
   * for minutes (a ghost), as after a closed laptop or a dropped connection.
   */
  vanish(): void {
    this.browser.kill();
  }

  /**
   * A workbench on an untrusted folder: VS Code asks whether to trust the folder's authors as it opens, and this
   * answers no, so the window is in Restricted Mode.
   */
  static async openRestricted(options: Omit<WorkbenchOptions, 'disableWorkspaceTrust'> = {}): Promise<Workbench> {
    const wb = await Workbench.open({ ...options, disableWorkspaceTrust: false });
    try {
      const distrust = wb.page.getByRole('button', { name: /No, I don't trust the authors/ });
      await distrust.waitFor({ state: 'visible', timeout: 60_000 });
      await distrust.click();
      await wb.page.locator('.statusbar', { hasText: 'Restricted Mode' }).waitFor({ state: 'visible', timeout: 30_000 });
      return wb;
    } catch (error) {
      await wb.close();
      throw error;
    }
  }

  /**
   * The workbench is usable once its shell and status bar are visible. It first paints with a built-in
   * light base and applies the configured colour theme a few seconds later (the theme's JSON loads
   * through the extension host), marking the shell with a `vscode-theme-*` class: wait for that too, or
   * early screenshots show half a theme.
   */
  private async waitUntilReady(timeoutMs: number): Promise<void> {
    try {
      await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
      await this.page.locator('.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
      await this.page.locator('.monaco-workbench[class*="vscode-theme-"]').waitFor({ state: 'visible', timeout: timeoutMs });
    } catch (error) {
      await this.screenshot('workbench-not-ready');
      throw new Error(`the workbench did not appear within ${timeoutMs / 1000} s (${(error as Error).message.split('\n')[0]})`);
    }
  }

  /** The quick input (command palette, quick open, pickers). */
  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private quickInputRows(): Locator {
    return this.quickInput.locator('.quick-input-list .monaco-list-row');
  }

  /** Opens the command palette and returns the titles ("Category: Title") listed for `filter`. */
  async commandTitles(filter: string): Promise<string[]> {
    await this.openPalette(filter);
    // The list fills asynchronously after typing; wait until it stops changing.
    const titles = await this.stableRowLabels();
    await this.page.keyboard.press('Escape');
    return titles;
  }

  /** Runs a command by its palette title ("MLBTC: New Structure"); fails if the palette does not list it. */
  async runCommand(title: string, timeoutMs = 30_000): Promise<void> {
    await this.openPalette(title);
    const row = this.quickInputRows().filter({
      has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
    });
    try {
      await row.first().waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const listed = await this.stableRowLabels();
      await this.page.keyboard.press('Escape');
      throw new Error(`the command palette has no command titled "${title}"; for that text it lists: ${JSON.stringify(listed)}`);
    }
    await row.first().click();
  }

  private async openPalette(text: string): Promise<void> {
    const input = this.quickInput.locator('.quick-input-box input');
    // With focus inside a webview, F1 reaches the workbench by a forwarded, asynchronous key event, and the palette
    // can close again as it opens (the webview's own Escape arriving late). Try again a few times before failing.
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press('Escape');
      await this.page.keyboard.press('F1');
      try {
        await input.waitFor({ state: 'visible', timeout: 15_000 });
        await input.fill(`>${text}`, { timeout: 5_000 });
        return;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  private async stableRowLabels(): Promise<string[]> {
    let previous = '';
    for (let i = 0; i < 20; i++) {
      await sleep(150);
      const labels = await this.quickInputRows().locator('.label-name').allTextContents();
      const key = JSON.stringify(labels);
      if (key === previous && labels.length > 0) return labels;
      previous = key;
    }
    return JSON.parse(previous || '[]') as string[];
  }

  /**
   * Opens a workspace file through Quick Open (Ctrl+P) and waits for its editor tab. The absolute path is
   * typed: Quick Open resolves it directly, whereas a relative name depends on the file search index,
   * which can miss files a test created a moment ago.
   */
  async openFile(relativePath: string, timeoutMs = 30_000): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Control+P');
    await this.quickInput.locator('.quick-input-box input').fill(path.join(this.workspace, relativePath));
    const name = path.basename(relativePath);
    // File search (ripgrep on the server) needs a moment on its first use.
    const row = this.quickInputRows().filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }) });
    try {
      await row.first().waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      await this.page.keyboard.press('Escape');
      const onDisk = existsSync(path.join(this.workspace, relativePath)) ? 'it exists on disk' : 'no such file on disk';
      throw new Error(`Quick Open found no file "${relativePath}" in the workspace ${this.workspace} (${onDisk})`);
    }
    await row.first().click();
    await this.editorTab(name).waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** Opens a workspace file by clicking through the Explorer tree (folders are expanded on the way). */
  async openFromExplorer(relativePath: string, timeoutMs = 30_000): Promise<void> {
    await this.runCommand('View: Show Explorer');
    const segments = relativePath.split('/').filter(Boolean);
    const tree = this.page.locator('.explorer-folders-view');
    for (const [i, segment] of segments.entries()) {
      // Match the tree level too: paper/icl-dense.mlbtc.json and a top-level icl-dense.mlbtc.json share a label,
      // and the top-level row is already there while the folder's children are still being rendered.
      const label = segment.replaceAll('"', '\\"');
      const row = tree.locator(`.monaco-list-row[aria-label="${label}"][aria-level="${i + 1}"]`).first();
      await row.waitFor({ state: 'visible', timeout: timeoutMs });
      const isFolder = i < segments.length - 1;
      if (!isFolder) await row.click();
      else if ((await row.getAttribute('aria-expanded')) !== 'true') {
        await row.click();
        await tree
          .locator(`.monaco-list-row[aria-label="${label}"][aria-level="${i + 1}"][aria-expanded="true"]`)
          .first()
          .waitFor({ timeout: timeoutMs });
      }
    }
    await this.editorTab(segments.at(-1)!).waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** The editor tab of a file (by its name as the tab shows it). */
  editorTab(name: string): Locator {
    return this.page.locator(`.tabs-container .tab[aria-label^="${name.replaceAll('"', '\\"')}"]`);
  }

  /** An item of the activity bar by its title, e.g. the "MLBTC Studio" view container. */
  activityBarItem(title: string): Locator {
    return this.page.locator(`.activitybar .action-item .action-label[aria-label^="${title.replaceAll('"', '\\"')}"]`);
  }

  /**
   * Shows the Problems panel and reads the problems it lists (the panel's list is virtual: only rows
   * that fit the panel are rendered, which is plenty for a test's handful of problems).
   */
  async problems(): Promise<Problem[]> {
    await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const panel = this.page.locator('.markers-panel');
    await panel.waitFor({ state: 'visible', timeout: 15_000 });
    await sleep(500); // markers are pushed to the panel asynchronously
    // Runs in the page. No helper functions inside: tsx compiles with esbuild's keepNames, which wraps
    // named functions in a __name() call that does not exist in the browser.
    return panel.locator('.monaco-list-row').evaluateAll((rows) => {
      const problems: Problem[] = [];
      let file = '';
      for (const row of rows) {
        const icon = row.querySelector('.marker-icon');
        if (!icon) {
          file = row.querySelector('.label-name')?.textContent ?? '';
          continue;
        }
        const position = /Ln (\d+), Col (\d+)/.exec(row.querySelector('.marker-line')?.textContent ?? '');
        problems.push({
          severity: icon.classList.contains('error') ? 'error' : icon.classList.contains('warning') ? 'warning' : 'info',
          file,
          message: row.querySelector('.marker-message')?.textContent?.trim() ?? '',
          source: row.querySelector('.marker-source')?.textContent?.trim() || undefined,
          code: row.querySelector('.marker-code')?.textContent?.trim() || undefined,
          line: position ? Number(position[1]) : undefined,
          column: position ? Number(position[2]) : undefined,
        });
      }
      return problems;
    });
  }

  async waitForNotification(text: string | RegExp, timeoutMs = 30_000): Promise<string> {
    const toast = this.page.locator('.notifications-toasts .notification-list-item-message', { hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return (await toast.textContent()) ?? '';
  }

  /**
   * The content of a webview panel (VS Code nests it in two iframes). `index` picks among visible webviews
   * in DOM order.
   */
  webview(index = 0): FrameLocator {
    return this.page.locator('iframe.webview.ready').nth(index).contentFrame().locator('iframe#active-frame').contentFrame();
  }

  /** Waits until the extension host log shows that `id` was activated; returns the activation line. */
  async waitForActivation(id = extensionId, timeoutMs = 60_000): Promise<string> {
    const pattern = new RegExp(`ExtensionService#_doActivateExtension ${escapeRegExp(id)}\\b.*`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const line = pattern.exec(this.server.extensionHostLog())?.[0];
      if (line) return line;
      await sleep(250);
    }
    throw new Error(
      `${id} was not activated within ${timeoutMs / 1000} s; extension host log: ${saveArtifact(`activation-${id}.log`, this.server.extensionHostLog())}`,
    );
  }

  /** Lines of one of the extension's output channels ("MLBTC Studio"), from every window of this instance. */
  channelLines(channel: string): string[] {
    return findFiles(path.join(this.server.userDataDir, 'logs'), `${channel}.log`).flatMap((f) => readFileSync(f, 'utf8').split('\n'));
  }

  /** Saves a screenshot as test-results/<name>-<theme>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    const file = artifactPath(`${name}-${this.theme}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * Closes the browser (the window closes: VS Code ends its extension host), then, unless this is another window of
   * an instance (openAnotherWindow), stops the server (its whole process group) and removes the temp workspace.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.unregisterCleanup();
      await this.browser.browser.close().catch(() => {}); // already gone after vanish()
      if (this.guest) return;
      await this.server.stop();
      rmSync(path.dirname(this.workspace), { recursive: true, force: true });
    })();
    return this.closed;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
