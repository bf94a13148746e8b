// What the window says about runs while they train, in the real editor: the status bar item (counts, step, loss,
// time left; gone after a stop), the notification of a run's end, and the palette pickers acting on the obvious
// (a single candidate is acted on without a pick) and Retry refusing a running run.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { MlbtcStudioApi } from '../../src/extension/extension';
import type { RunInfo } from '../../src/runs/store';
import { tinySpec, useSettings, waitForRun, writeSpec } from './runsFixtures';
import { activateExtension, waitFor } from './util';

describe('Run feedback and pickers', function () {
  this.timeout(180_000);
  let api: MlbtcStudioApi;
  let restore: () => Promise<void>;

  before(async () => {
    api = await activateExtension();
    restore = await useSettings('runs-feedback', 'cpu');
  });
  after(async () => {
    const live = api.runs().filter((r) => r.state === 'running' || r.state === 'queued');
    if (live.length) await vscode.commands.executeCommand('mlbtc.stopRun', { runIds: live.map((r) => r.id) });
    await restore();
  });

  it('announces a run that completes, with its steps and loss', async () => {
    const uri = await writeSpec('tiny-notify.mlbtc.json', tinySpec('tiny-notify'));
    const started = await vscode.commands.executeCommand<RunInfo>('mlbtc.train', uri);
    await waitForRun(api, started.id, 'to complete', (r) => r.state === 'completed');
    const message = await waitFor('the completion notification', () => api.runNotifications().find((m) => m.startsWith('tiny-notify · ')));
    assert.match(message, /^tiny-notify · \d\d:\d\d:\d\d completed 20 steps in \d+s, training loss [\d.e+-]+\.$/);
  });

  it('shows a long run in the status bar, Stop from the palette acts on it without a pick, and the item goes', async () => {
    const uri = await writeSpec('tiny-bar.mlbtc.json', tinySpec('tiny-bar', { steps: 4000, checkpointEvery: 1000, evalEvery: 1000 }));
    const started = await vscode.commands.executeCommand<RunInfo>('mlbtc.train', uri);
    assert.equal(started.state, 'running');
    const bar = await waitFor(
      'the status bar to show the step, loss and time left',
      () => {
        const s = api.runsStatusBar();
        return s && / left$/.test(s.text) ? s : undefined;
      },
      60_000,
    );
    assert.match(bar.text, /^\$\(sync~spin\) 1 running · \d+\/4000 · loss [\d.e+-]+ · \d+(s|m\d\ds|h\d\dm) left$/);
    assert.match(bar.accessible, /^MLBTC runs: 1 running; tiny-bar · \d\d:\d\d:\d\d at step \d+ of 4000/);

    // Retry refuses a run still training: no new run appears.
    const before = api.runs().length;
    const retried = await vscode.commands.executeCommand<RunInfo[]>('mlbtc.retryRun', { runId: started.id });
    assert.deepEqual(retried, []);
    assert.equal(api.runs().length, before);

    // The palette's Stop with one running run: it is the obvious target, no quick pick waits for Enter.
    const stopped = await vscode.commands.executeCommand<RunInfo[]>('mlbtc.stopRun');
    assert.deepEqual(
      stopped?.map((r) => r.id),
      [started.id],
    );
    assert.equal(stopped?.[0]?.state, 'cancelled');
    await waitFor('the status bar item to go', () => api.runsStatusBar() === null);
    assert.ok(!api.runNotifications().some((m) => m.startsWith('tiny-bar')), 'a stop is not announced: whoever stopped it knows');
  });

  it('Resume from the palette resumes the only stopped run without a pick', async () => {
    const resumed = await vscode.commands.executeCommand<RunInfo[]>('mlbtc.resumeRun');
    assert.equal(resumed?.length, 1, 'the single resumable run was resumed without a pick');
    const stopped = await vscode.commands.executeCommand<RunInfo[]>('mlbtc.stopRun');
    assert.equal(stopped?.length, 1);
  });
});
