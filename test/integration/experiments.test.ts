// The Experiments view live, inside the real editor: empty (its welcome content shows) for a runs directory without
// runs; a training run's row changes as it trains (spinning icon, step, latest loss) and ends completed with the
// loss of its last record; a run folder made outside the window (`mlbtc train --out`) appears without a refresh, and
// Refresh Experiments reads a copied-in run folder at once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as vscode from 'vscode';
import { resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { createRunFolder } from '../../src/runfolder/runFolder';
import type { MlbtcStudioApi } from '../../src/extension/extension';
import { initialStatus } from '../../src/protocol/run';
import { writeStatus } from '../../src/runfolder/statusFile';
import type { RunInfo } from '../../src/runs/store';
import { records, runRow, tinySpec, useSettings, waitForRun, writeSpec } from './runsFixtures';
import { activateExtension, waitFor, workspaceUri } from './util';

describe('Experiments view, live', function () {
  this.timeout(180_000);
  let api: MlbtcStudioApi;
  let restore: () => Promise<void>;

  before(async () => {
    api = await activateExtension();
    restore = await useSettings('runs-view', 'cpu');
  });
  after(async () => {
    const live = api.runs().filter((r) => r.state === 'running' || r.state === 'queued');
    if (live.length) await vscode.commands.executeCommand('mlbtc.stopRun', { runIds: live.map((r) => r.id) });
    await restore();
  });

  it('is empty for a runs directory without runs, so its welcome content shows', () => {
    assert.deepEqual(api.runs(), []);
    assert.deepEqual(api.experimentsView(), []);
  });

  it("shows a run's state, step and latest loss as it trains, from the run manager's events", async () => {
    // 60 steps: long enough to read the row twice while it trains.
    const uri = await writeSpec('tiny-view.mlbtc.json', tinySpec('tiny-view', { steps: 60, checkpointEvery: 30, evalEvery: 30 }));
    const run = await vscode.commands.executeCommand<RunInfo>('mlbtc.train', uri);
    assert.equal(run?.state, 'running');
    const first = await waitFor('the row to show a step past 5', () => {
      const row = runRow(api, 'tiny-view.mlbtc.json', run.id);
      const step = Number(/^(?:loss \S+ · )?running · (\d+)\/60/.exec(row?.description ?? '')?.[1]);
      return step > 5 ? { row: row!, step } : undefined;
    });
    assert.match(first.row.label, /^\d\d:\d\d:\d\d$/, 'under its own file, labelled with the time it was created');
    assert.equal(first.row.icon, 'sync~spin charts.blue');
    assert.equal(first.row.contextValue, 'mlbtc.run.running');
    assert.match(first.row.description, /^loss [\d.e+-]+ · running · \d+\/60 · cpu · \d+s$/);
    await waitFor('the row to move on', () => {
      const step = Number(/ (\d+)\/60/.exec(runRow(api, 'tiny-view.mlbtc.json', run.id)?.description ?? '')?.[1]);
      return step > first.step;
    });

    const done = await waitForRun(api, run.id, 'to complete', (r) => r.state === 'completed' || r.state === 'failed');
    assert.equal(done.state, 'completed', done.status?.exitReason ?? '');
    const lastLoss = records(done)
      .filter((r) => r.kind === 'train')
      .at(-1)!;
    assert.equal(lastLoss.step, 60);
    const row = await waitFor('the completed row', () => {
      const r = runRow(api, 'tiny-view.mlbtc.json', run.id);
      return r?.contextValue === 'mlbtc.run.completed' ? r : undefined;
    });
    assert.equal(row.icon, 'pass testing.iconPassed');
    // Four significant digits of the last training loss in metrics.jsonl.
    assert.match(
      row.description,
      new RegExp(`^loss ${lastLoss.loss.toPrecision(4).replace('.', '\\.')} · completed · 60/60 · cpu · \\d+s$`),
    );
    const experiment = api.experimentsView().find((e) => e.label === 'tiny-view.mlbtc.json')!;
    assert.equal(experiment.description, '1 run');
    assert.equal(experiment.tooltip, uri.fsPath);
  });

  it('shows a run made outside the window (`mlbtc train`) once its folder lands in the runs directory', async () => {
    const uri = await writeSpec('tiny-cli.mlbtc.json', tinySpec('tiny-cli', { steps: 5 }));
    // Trained outside the runs directory, then moved in whole, as a copied or synced run folder arrives.
    const outside = path.join(workspaceUri('cli-out').fsPath, 'made-by-cli');
    const extension = vscode.extensions.getExtension('mlbtc.mlbtc-studio')!;
    const cli = spawn(
      process.execPath,
      [
        path.join(extension.extensionPath, 'dist', 'cli.js'),
        'train',
        uri.fsPath,
        '--out',
        outside,
        '--runtime',
        'tfjs',
        '--backend',
        'cpu',
      ],
      {
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        stdio: 'ignore',
      },
    );
    assert.equal(await new Promise<number | null>((resolve) => cli.on('exit', resolve)), 0);
    mkdirSync(workspaceUri('runs-view').fsPath, { recursive: true });
    renameSync(outside, path.join(workspaceUri('runs-view').fsPath, 'made-by-cli'));
    const run = await waitForRun(api, 'made-by-cli', 'to appear', (r) => r.state === 'completed', 15_000);
    assert.equal(run.source, uri.fsPath);
    const row = await waitFor('its row under its structure', () => runRow(api, 'tiny-cli.mlbtc.json', 'made-by-cli'));
    assert.equal(row.label, 'made-by-cli', 'a folder named by hand keeps its name');
    assert.equal(row.contextValue, 'mlbtc.run.completed');
  });

  it('Refresh Experiments reads the runs directory at once, without waiting for a file event or the next poll', async () => {
    const uri = await writeSpec('tiny-refresh.mlbtc.json', tinySpec('tiny-refresh'));
    const spec = resolveSpec(JSON.parse(await readFile(uri.fsPath, 'utf8')) as StructureSpec);
    const outside = path.join(workspaceUri('refresh-out').fsPath, 'copied-in');
    createRunFolder(outside, { spec, sourcePath: uri.fsPath, sourceText: '', overrides: {} });
    writeStatus(outside, {
      ...initialStatus(spec.training.steps),
      state: 'completed',
      step: spec.training.steps,
      exitReason: 'completed 20 steps',
    });
    // The manager notices a new folder on a file event (debounced) or its next poll (1 s); refresh must not wait.
    renameSync(outside, path.join(workspaceUri('runs-view').fsPath, 'copied-in'));
    await vscode.commands.executeCommand('mlbtc.experiments.refresh');
    const run = api.runs().find((r) => r.id === 'copied-in');
    assert.equal(run?.state, 'completed', JSON.stringify(api.runs().map((r) => r.id)));
    assert.ok(
      api.experimentsView().some((e) => e.label === 'tiny-refresh.mlbtc.json' && e.children?.some((c) => c.id === 'run:copied-in')),
    );
  });
});
