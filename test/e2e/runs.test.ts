// What the window says about runs, as a user sees it in light, dark and high-contrast themes: the runs status bar
// item while a run trains (counts, step, loss, time left), the notification when it completes (Show Losses / Open
// Log), the search view (leaderboard with the best trial marked, parallel coordinates) and the trade-offs drawn as
// one chart per task kind and rank space. Runs and a search are written as run folders (no training: the views only
// read folders). Screenshots: test-results/runs-*-<theme>.png.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../../scripts/harness/processes';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { formatMetricLine, initialStatus, RunFiles, type RunStatus } from '../../src/protocol/run';
import { planSearch } from '../../src/runs/search/plan';
import { createSearchFolder, readSearchState, writeSearchState } from '../../src/runs/search/searchFolder';
import { RunStore } from '../../src/runs/store';
import { waitForPaint } from './harness/panelPaints';
import { runsDir } from './harness/runsFolder';
import { Workbench, type Theme } from './harness/workbench';

const TOTAL = 10_000;

const tiny = (name: string, extra: Record<string, unknown> = {}) =>
  ({
    name,
    task: { kind: 'icl-regression', inputDim: 4 },
    model: { width: 16, heads: 2, layers: 1, seqLen: 16 },
    attention: { kind: 'dense' },
    training: { steps: 400, batchSize: 4, lr: 0.001, backend: 'cpu' },
    ...extra,
  }) as unknown as StructureSpec;

/** A run folder made by the store, then given this status and these metrics, as a worker would have left them. */
function writeRun(
  store: RunStore,
  spec: ResolvedSpec,
  status: Partial<RunStatus>,
  losses: (step: number) => number,
  steps: number,
  search?: { id: string; trial: number; rung: number },
): string {
  const run = store.create({
    spec,
    sourcePath: path.join(store.root, '..', '..', `${spec.name}.mlbtc.json`),
    sourceText: JSON.stringify(spec),
    overrides: {},
    ...(search ? { search } : {}),
  });
  const lines: string[] = [];
  for (let s = 10; s <= steps; s += 10) {
    const at = { step: s, tokens: s * 64, flops: s * 4e6, wallMs: s * 40 };
    lines.push(formatMetricLine({ kind: 'train', ...at, loss: losses(s), lr: 1e-3 }));
    if (s % 100 === 0) lines.push(formatMetricLine({ kind: 'eval', ...at, 'val.loss': losses(s) + 0.05 }));
  }
  writeFileSync(path.join(run.dir, RunFiles.metrics), lines.join(''));
  writeFileSync(path.join(run.dir, RunFiles.status), JSON.stringify({ ...initialStatus(status.totalSteps ?? steps), ...status }));
  return run.id;
}

/** A 6-trial grid search (lr × heads) with five trials trained to the end and one not started: stopped there. */
function writeSearch(workspace: string, store: RunStore): string {
  const raw = tiny('e2e-search', {
    search: { strategy: 'grid', space: { 'training.lr': { choice: [1e-3, 3e-3, 1e-2] }, 'model.heads': { choice: [2, 4] } } },
  });
  const plan = planSearch(raw);
  const file = createSearchFolder(store.root, plan, { path: path.join(workspace, 'e2e-search.mlbtc.json'), text: JSON.stringify(raw) });
  const now = Date.now();
  for (const t of plan.trials.slice(0, 5)) {
    const floor = 0.3 + 0.1 * Math.abs(t.trial - 3);
    const status = {
      state: 'completed' as const,
      startedAt: new Date(now - 60_000).toISOString(),
      endedAt: new Date(now - 40_000).toISOString(),
      step: 400,
      backend: 'cpu',
    };
    writeRun(store, t.spec, status, (s) => floor + 2 * Math.exp(-s / 80), 400, { id: file.id, trial: t.trial, rung: 0 });
  }
  // Stopped on purpose; otherwise the window would take the search over (it has no controller) and train trial 5.
  writeSearchState(store.root, file.id, { ...readSearchState(store.root, file.id), stoppedAt: new Date(now - 30_000).toISOString() });
  return file.id;
}

for (const theme of ['light', 'dark', 'high-contrast'] as const) {
  describe(`Run feedback, the search view and faceted trade-offs (${theme} theme)`, () => {
    let wb: Workbench;
    let store: RunStore;
    let running: string;
    const shot = (name: string) => wb.screenshot(theme === 'high-contrast' ? `runs-hc-${name}` : `runs-${name}`);

    before(async () => {
      const base: Theme = theme === 'light' ? 'light' : 'dark';
      wb = await Workbench.open({
        theme: base,
        ...(theme === 'high-contrast' ? { settings: { 'workbench.colorTheme': 'Default High Contrast' } } : {}),
      });
      mkdirSync(runsDir(wb), { recursive: true });
      store = new RunStore(runsDir(wb));
      writeSearch(wb.workspace, store);
      writeFileSync(path.join(wb.workspace, 'e2e-search.mlbtc.json'), JSON.stringify(tiny('e2e-search'), null, 2));
    });
    after(async () => {
      await wb?.close();
    });

    it('shows a training run in the status bar: counts, step, loss and time left', async () => {
      // "Running" with this test process as its worker (alive) and a fresh heartbeat.
      const now = new Date().toISOString();
      running = writeRun(
        store,
        resolveSpec(tiny('e2e-status')),
        { state: 'running', pid: process.pid, heartbeat: now, startedAt: now, step: 4000, totalSteps: TOTAL, backend: 'cpu' },
        (s) => 0.4 + 2 * Math.exp(-s / 900),
        4000,
      );
      await wb.activityBarItem('MLBTC Studio').click(); // the view follows the runs from now on
      const item = wb.page.locator('.statusbar-item', { hasText: '1 running' });
      await item.waitFor({ state: 'visible', timeout: 30_000 });
      const text = (await item.textContent()) ?? '';
      assert.match(text, /1 running · 4000\/10000 · loss [\d.]+ · 4m00s left/);
      const label = await item.evaluate(
        (el) => el.getAttribute('aria-label') ?? el.querySelector('[aria-label]')?.getAttribute('aria-label') ?? '',
      );
      assert.match(label, /MLBTC runs: 1 running; e2e-status · .* at step 4000 of 10000/);
      await item.hover();
      await sleep(800);
      await shot('statusbar');
    });

    it('announces the run when it completes, with Show Losses and Open Log', async () => {
      const dir = path.join(runsDir(wb), running);
      const ended = new Date().toISOString();
      writeFileSync(
        path.join(dir, RunFiles.status),
        JSON.stringify({
          ...initialStatus(TOTAL),
          state: 'completed',
          startedAt: new Date(Date.now() - 400_000).toISOString(),
          endedAt: ended,
          heartbeat: ended,
          step: TOTAL,
          backend: 'cpu',
          exitReason: `completed ${TOTAL} steps`,
        }),
      );
      const message = await wb.waitForNotification(/^e2e-status · .* completed 10000 steps in 6m40s, training loss [\d.]+\.$/, 30_000);
      assert.ok(message);
      await sleep(500); // the toast slides in
      for (const action of ['Show Losses', 'Open Log'])
        await wb.page.locator('.notifications-toasts .monaco-button', { hasText: action }).first().waitFor({ state: 'visible' });
      await wb.page.locator('.statusbar-item', { hasText: '1 running' }).waitFor({ state: 'hidden', timeout: 15_000 });
      await shot('notification');
    });

    it('shows the search: leaderboard with the best trial, parallel coordinates', async () => {
      await wb.runCommand('View: Close All Editor Groups');
      await wb.runCommand('MLBTC: Show Search');
      const paint = await waitForPaint(
        wb,
        'the search view',
        (p) => p.panel === 'search' && /^6 trials, best #\d$/.test(p.content),
        60_000,
      );
      assert.equal(paint.content, '6 trials, best #3');
      const frame = wb.webview(0);
      assert.equal(await frame.locator('table.leaderboard tbody tr').count(), 6);
      assert.equal(await frame.locator('table.leaderboard tr.best').count(), 1);
      assert.equal(await frame.locator('svg path.trial-line').count(), 6);
      // Sort by objective from the keyboard: the header is a button.
      await frame.locator('button.sort[data-sort="objective"]').focus();
      await wb.page.keyboard.press('Enter');
      assert.equal(await frame.locator('th[aria-sort="descending"] button[data-sort="objective"]').count(), 1);
      await wb.page.keyboard.press('Enter');
      assert.match((await frame.locator('table.leaderboard tbody tr').first().textContent()) ?? '', /★ #3/);
      assert.ok(
        await frame.locator('button.sort[data-sort="objective"]').evaluate((el) => el === document.activeElement),
        'the header kept the keyboard focus through the re-sorts',
      );
      await sleep(300);
      await shot('search');
    });

    it('draws the trade-offs as one chart per task kind and rank space', async () => {
      await wb.runCommand('View: Close All Editor Groups');
      await wb.runCommand('MLBTC: Show Trade-offs');
      await waitForPaint(wb, 'the trade-offs', (p) => p.panel === 'tradeoffs' && /^\d+ points/.test(p.content), 60_000);
      const frame = wb.webview(0);
      await frame.locator('svg text.facet-title').first().waitFor({ state: 'attached', timeout: 30_000 });
      const titles = await frame.locator('svg text.facet-title').allTextContents();
      assert.ok(titles.length >= 2, JSON.stringify(titles));
      assert.ok(
        titles.some((t) => t.includes('sequence rank (T×T)')) && titles.some((t) => t.includes('feature rank (D×D)')),
        JSON.stringify(titles),
      );
      assert.equal(await frame.locator('header h1').textContent(), 'Rank vs compute per token');
      await sleep(500);
      await shot('tradeoffs');
    });
  });
}
