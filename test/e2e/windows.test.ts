// Two windows on one folder, as a researcher has them: a search started in one window keeps a driver when that window
// closes mid-search (the other takes it over within seconds), and again when the window driving it vanishes without
// closing (its browser killed, as when a laptop closes: code-server keeps that window's extension host alive for
// minutes, a ghost that still holds the search) and a new window is opened. That window stops the search and resumes
// it, and the search finishes with each trial trained once, by one run. Screenshots: test-results/windows-*-light.png.
import * as assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../../scripts/harness/processes';
import type { StructureSpec } from '../../src/core/spec/schema';
import { readLock } from '../../src/runfolder/lock';
import { isProcessAlive } from '../../src/runfolder/process';
import { readStatus } from '../../src/runfolder/runFolder';
import { StoreFiles } from '../../src/runs/layout';
import { listSearchIds, readSearchState, searchDir, SearchFiles, trialRunId } from '../../src/runs/search/searchFolder';
import { killWorkers, runsDir as runsDirOf } from './harness/runsFolder';
import { until } from '../../scripts/harness/until';
import { Workbench } from './harness/workbench';

/** Four trials of a tiny in-context regression (about 30 s each on tfjs here), one at a time: the search outlasts
 *  both handovers. */
const searchSpec = {
  name: 'e2e-windows',
  task: { kind: 'icl-regression', inputDim: 4 },
  model: { width: 16, heads: 2, layers: 1, seqLen: 16 },
  attention: { kind: 'dense' },
  training: { steps: 3000, batchSize: 4, lr: 0.001, warmupSteps: 0, logEvery: 25, evalEvery: 1000, checkpointEvery: 250, backend: 'cpu' },
  search: { strategy: 'grid', maxConcurrent: 1, space: { 'training.lr': { choice: [1e-3, 2e-3, 3e-3, 4e-3] } } },
} as unknown as StructureSpec;

describe('Two windows on one folder, one closing mid-search', () => {
  let first: Workbench;
  const others: Workbench[] = [];
  const runsDir = () => runsDirOf(first);
  let searchId = '';
  const controllerPid = () => readLock(path.join(searchDir(runsDir(), searchId), SearchFiles.lock))?.pid;
  const trialDirs = () => readdirSync(runsDir()).filter((n) => n.startsWith(searchId));
  const trialState = (trial: number) => readStatus(path.join(runsDir(), trialRunId(searchId, trial, 0))).status?.state;

  before(async () => {
    first = await Workbench.open({ theme: 'light' });
    writeFileSync(path.join(first.workspace, 'e2e-windows.mlbtc.json'), `${JSON.stringify(searchSpec, null, 2)}\n`);
  });
  after(async () => {
    for (const w of others) await w.close();
    // Then stop the server with every extension host (the ghost's too) and remove the workspace.
    if (first) killWorkers(first);
    await first?.close();
  });

  /** The search's row in a window's Experiments view, once its description (who drives it first) matches `text`. */
  async function searchRow(w: Workbench, text: RegExp, timeoutMs = 60_000): Promise<void> {
    const pane = w.page.locator('.pane', { has: w.page.locator('.pane-header', { hasText: 'Experiments' }) });
    if (!(await pane.isVisible())) await w.activityBarItem('MLBTC Studio').click(); // a second click would hide it
    const row = pane.locator(`.monaco-list-row[aria-label^="search ${searchId},"]`);
    try {
      await row
        .filter({ has: w.page.locator('.label-description', { hasText: text }) })
        .first()
        .waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const log = first.channelLines('MLBTC Studio').filter((l) => l.includes(searchId) || l.includes('queue'));
      const lock = readLock(path.join(searchDir(runsDir(), searchId), SearchFiles.lock));
      throw new Error(
        `the search's row never read ${text}: it reads "${await row
          .first()
          .textContent({ timeout: 5_000 })
          .catch(() => '(no row)')}"; controller.lock ` + `${JSON.stringify(lock)}; the windows' logs:\n${log.slice(-30).join('\n')}`,
      );
    }
  }

  it('a window that closes mid-search hands the search to the window that stays', async () => {
    const second = await first.openAnotherWindow();
    others.push(second);
    await second.openFile('e2e-windows.mlbtc.json');
    await second.runCommand('MLBTC: Start Search');
    await second.page.locator('.monaco-dialog-box').getByRole('button', { name: 'Start Search' }).click({ timeout: 60_000 });
    // Its id once the folder is in place (listSearchIds skips the creator's temp folder, which has a name of its own).
    searchId = await until('the search folder', () => listSearchIds(runsDir())[0]);
    await until('trial 0 to train', () => trialState(0) === 'running', 120_000);
    const secondHost = controllerPid()!;
    await searchRow(first, /^driven by VS Code window \(pid \d+\)/);
    await searchRow(second, /^searching/);
    await first.screenshot('windows-driven-elsewhere');

    // Closed as a tab is closed: VS Code ends that window's extension host.
    await second.page.close({ runBeforeUnload: true });
    await searchRow(first, /^searching/, 60_000);
    assert.notEqual(controllerPid(), secondHost, 'the window that stayed holds the search now');
    assert.ok(['running', 'completed'].includes(trialState(0) ?? ''), 'the trial trained on through the handover');
    await first.screenshot('windows-taken-over');
  });

  it('a window opened after the driving one vanished (its extension host a ghost) takes over without waiting', async () => {
    const ghost = controllerPid()!;
    first.vanish();
    // A new window on the folder, opened after the other vanished: it finds the ghost's search and takes it over.
    const third = await first.openAnotherWindow();
    others.push(third);
    await searchRow(third, /^searching/, 60_000);
    assert.ok(isProcessAlive(ghost), 'the ghost extension host is still alive: it was replaced, not waited for');
    assert.notEqual(controllerPid(), ghost);
    await third.page.mouse.move(700, 450);
    await third.screenshot('windows-ghost-replaced');

    // Full control from the window that is left: stop the search (its active trial checkpoints and stops) …
    const pane = third.page.locator('.pane', { has: third.page.locator('.pane-header', { hasText: 'Experiments' }) });
    const row = pane.locator(`.monaco-list-row[aria-label^="search ${searchId},"]`).first();
    await row.hover();
    await row.locator('.action-label[aria-label^="Stop Run"]').click();
    await searchRow(third, /^stopped/, 90_000);
    const after = trialDirs();
    assert.ok(after.every((d) => readStatus(path.join(runsDir(), d)).status?.state !== 'running'));
    await sleep(5_000); // the ghost's timers still run: it must launch nothing
    assert.deepEqual(trialDirs(), after, 'no trial was started after the stop');

    // … and resume it: it finishes here, each trial one run.
    await row.hover();
    await row.locator('.action-label[aria-label^="Resume Run"]').click();
    await until('the search to finish', () => readSearchState(runsDir(), searchId).finishedAt !== null, 300_000);
    assert.deepEqual(trialDirs().sort(), [0, 1, 2, 3].map((t) => trialRunId(searchId, t, 0)).sort());
    for (const t of [0, 1, 2, 3]) assert.equal(trialState(t), 'completed', `trial ${t}`);
    const queueOwner = readLock(path.join(runsDir(), StoreFiles.managerLock))?.pid;
    assert.ok(queueOwner !== undefined && queueOwner !== ghost, 'the run queue was taken from the ghost too');
    await searchRow(third, /^finished/);
    await third.page.mouse.move(700, 450); // off the row: its actions would cover the description
    await third.screenshot('windows-finished');
  });
});
