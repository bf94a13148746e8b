// Training as a user meets it, in a real VS Code (code-server + chromium), light and dark: a tiny structure trained
// from the palette, its live-losses curve growing while it trains, the run completed in the Experiments view; a long
// run started from the CodeLens and stopped from the view's inline action; Export Run through the save dialog;
// the "MLBTC Studio" output. And in Restricted Mode: Train refuses and offers Manage Workspace Trust, and a queued
// run folder that came with the folder is never started. Screenshots: test-results/training-*-<theme>.png.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../../scripts/harness/processes';
import { resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { createRunFolder, readStatus } from '../../src/runfolder/runFolder';
import { parseMetricLines, RunFiles } from '../../src/protocol/run';
import { killWorkers, runsDir } from './harness/runsFolder';
import { until } from '../../scripts/harness/until';
import { Workbench, type Theme } from './harness/workbench';

/** In-context regression with d = 4: width 16, one layer, about 3,500 parameters; ~20 steps a second on cpu. */
function tinySpec(name: string, steps: number, backend = 'auto'): StructureSpec {
  return {
    name,
    task: { kind: 'icl-regression', inputDim: 4 },
    model: { width: 16, heads: 2, layers: 1, seqLen: 16 },
    attention: { kind: 'dense' },
    training: { steps, batchSize: 4, lr: 0.001, warmupSteps: 0, logEvery: 1, evalEvery: 50, evalBatches: 1, checkpointEvery: 50, backend },
  } as unknown as StructureSpec;
}

function writeSpec(wb: Workbench, file: string, spec: StructureSpec): void {
  writeFileSync(path.join(wb.workspace, file), `${JSON.stringify(spec, null, 2)}\n`);
}

const runFolders = (wb: Workbench, prefix: string) =>
  existsSync(runsDir(wb)) ? readdirSync(runsDir(wb)).filter((n) => n.startsWith(prefix)) : [];

/** The last step the live-losses panel reported drawing (its paint reports, logged to "MLBTC Panels"). */
function lossesDrawnTo(wb: Workbench): number {
  let step = 0;
  for (const line of wb.channelLines('MLBTC Panels')) {
    const m = /\] losses: (?:first paint|repaint) .*\): \d+ curves?, step to (\d+)$/.exec(line);
    if (m) step = Number(m[1]);
  }
  return step;
}

for (const theme of ['light', 'dark'] as Theme[]) {
  describe(`Training from the editor (${theme} theme)`, () => {
    let wb: Workbench;
    let tinyRun: string;

    before(async () => {
      wb = await Workbench.open({ theme, settings: { 'mlbtc.backend': 'cpu' } });
      writeSpec(wb, 'e2e-tiny.mlbtc.json', tinySpec('e2e-tiny', 300));
      writeSpec(wb, 'e2e-long.mlbtc.json', tinySpec('e2e-long', 100_000));
    });
    after(async () => {
      if (wb) killWorkers(wb);
      await wb?.close();
    });

    const experiments = () => wb.page.locator('.pane', { has: wb.page.locator('.pane-header', { hasText: 'Experiments' }) });
    /** A run's row: labelled with its creation time, named by its id in its accessible name. */
    const row = (idPart: string, text: RegExp) => experiments().locator(`.monaco-list-row[aria-label*="${idPart}"]`, { hasText: text });

    it('trains a tiny structure from the palette while its live-losses curve grows', async () => {
      await wb.openFile('e2e-tiny.mlbtc.json');
      await wb.runCommand('MLBTC: Train Structure');
      const started = await wb.waitForNotification(/^Training e2e-tiny-.* on tfjs [\d.]+ · cpu /, 90_000);
      tinyRun = /^Training (\S+) on/.exec(started)![1]!;
      await wb.runCommand('MLBTC: Show Live Losses');
      // Two reads of what the panel reports drawing, while the run trains: the curve has grown between them.
      const first = await until('the curve of the running run', () => lossesDrawnTo(wb) || undefined);
      const later = await until('the curve to grow', () => (lossesDrawnTo(wb) > first ? lossesDrawnTo(wb) : undefined));
      assert.ok(later > first, `${first} → ${later}`);
      await wb.screenshot('training-losses');
    });

    it('shows the run completed in the Experiments view', async () => {
      await wb.activityBarItem('MLBTC Studio').click();
      await row(tinyRun, /./).first().waitFor({ state: 'visible', timeout: 30_000 });
      const completed = row(tinyRun, /loss [\d.]+ · completed · 300\/300 · cpu · \d+s/).first();
      await completed.waitFor({ state: 'visible', timeout: 90_000 });
      // Under its file the row says when the run was made; the loss beside it is not cut at the default width.
      assert.match((await completed.locator('.label-name').textContent()) ?? '', /^\d\d:\d\d:\d\d$/);
      assert.equal(await completed.locator('.codicon-pass').count(), 1, 'the completed icon');
      await experiments().locator('.monaco-list-row', { hasText: 'e2e-tiny.mlbtc.json' }).first().waitFor({ state: 'visible' });
      await wb.screenshot('training-completed');
    });

    it("stops a run started from the CodeLens with the view's inline Stop", async () => {
      await wb.openFile('e2e-long.mlbtc.json');
      await wb.page.locator('.codelens-decoration a', { hasText: '▶ Train' }).first().click({ timeout: 30_000 });
      const running = row('e2e-long-', /running · \d+\/100000/).first();
      await running.waitFor({ state: 'visible', timeout: 90_000 });
      await wb.screenshot('training-running');
      await running.hover();
      await running.locator('.action-label[aria-label^="Stop Run"]').click();
      await row('e2e-long-', /cancelled · \d+\/100000/)
        .first()
        .waitFor({ state: 'visible', timeout: 60_000 });
      const [folder] = runFolders(wb, 'e2e-long-');
      const status = readStatus(path.join(runsDir(wb), folder!)).status!;
      assert.equal(status.state, 'cancelled');
      assert.ok(status.step > 0 && status.step < 100_000);
    });

    it('exports the completed run as CSV through the save dialog', async () => {
      await wb.runCommand('MLBTC: Export Run');
      await wb.quickInput.locator('.quick-input-list .monaco-list-row', { hasText: tinyRun }).first().click({ timeout: 15_000 });
      // VS Code's own save dialog in the browser: a quick input holding the proposed path; accept it.
      await wb.quickInput.locator('.quick-input-box input').waitFor({ state: 'visible', timeout: 15_000 });
      await sleep(300);
      await wb.page.keyboard.press('Enter');
      const csv = path.join(wb.workspace, `${tinyRun}.csv`);
      await until('the CSV file', () => existsSync(csv) && readFileSync(csv, 'utf8').endsWith('\n'), 30_000);
      const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
      const records = parseMetricLines(readFileSync(path.join(runsDir(wb), tinyRun, RunFiles.metrics), 'utf8'));
      assert.equal(lines.length - 1, records.length);
      assert.equal(records.filter((r) => r.kind === 'train').length, 300);
      assert.match(lines[0]!, /^kind,step,tokens,flops,wallMs,loss,lr,val\.loss(,|$)/);
      await wb.waitForNotification(/^Exported the metrics of/);
    });

    it('says what happened to each run in the "MLBTC Studio" output', () => {
      const lines = wb.channelLines('MLBTC Studio').filter((l) => l.includes(`[${tinyRun}]`));
      assert.ok(
        lines.some((l) => l.includes('queued → running')),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((l) => /running → completed at step 300 of 300: completed 300 steps/.test(l)),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((l) => l.includes('backend cpu')),
        "the worker's own log lines are forwarded",
      );
    });
  });
}

describe('Training in Restricted Mode (untrusted folder)', () => {
  let wb: Workbench;
  before(async () => {
    wb = await Workbench.openRestricted({ theme: 'dark' });
  });
  after(async () => {
    if (wb) killWorkers(wb);
    await wb?.close();
  });

  it('never starts a queued run that came with the folder, and Train offers Manage Workspace Trust', async () => {
    // A run folder in the cloned repository, queued: a queue owner would start a worker on it.
    const planted = path.join(runsDir(wb), 'planted-run');
    const spec = tinySpec('planted', 20, 'cpu');
    createRunFolder(planted, {
      spec: resolveSpec(spec),
      sourcePath: path.join(wb.workspace, 'planted.mlbtc.json'),
      sourceText: JSON.stringify(spec),
      overrides: {},
    });
    writeSpec(wb, 'e2e-untrusted.mlbtc.json', tinySpec('e2e-untrusted', 20));

    await wb.activityBarItem('MLBTC Studio').click();
    await wb.page
      .locator('.pane .monaco-list-row[aria-label*="planted-run"]', { hasText: /queued · 0\/20/ })
      .first()
      .waitFor({ state: 'visible', timeout: 30_000 });
    await sleep(3000); // several manager ticks
    assert.equal(readStatus(planted).status?.state, 'queued');
    assert.ok(!existsSync(path.join(planted, RunFiles.log)), 'no worker was started on it');

    await wb.openFile('e2e-untrusted.mlbtc.json');
    await wb.runCommand('MLBTC: Train Structure');
    await wb.waitForNotification(/only runs in a trusted folder/);
    await sleep(500); // the toast slides in
    await wb.page
      .locator('.notifications-toasts .monaco-button', { hasText: 'Manage Workspace Trust' })
      .first()
      .waitFor({ state: 'visible' });
    await wb.screenshot('training-restricted');
    assert.deepEqual(runFolders(wb, 'e2e-untrusted'), []);
  });
});
