// The run commands inside the real editor, training real tiny structures with dist/worker.js: Train Structure to
// completion (the mlbtc.backend setting applies when the structure says "auto", a structure's own backend wins, a
// native backend installed in the mlbtc.backendPackages folder is found),
// Export Run against the metrics file, Stop / Resume / Retry / Delete, Show Live Losses on chosen runs, and Start
// Search driving a small grid. Confirmations are answered through the commands' { confirm: true } argument.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { MlbtcStudioApi } from '../../src/extension/extension';
import type { PaintRecord } from '../../src/extension/panels/perf';
import type { SearchRef } from '../../src/extension/runs/searchDriver';
import { RunFiles } from '../../src/protocol/run';
import type { RunInfo } from '../../src/runs/store';
import { writeStandInTfjsNode } from '../fixtures/standInTfjsNode';
import { records, runRow, tinySpec, useSettings, waitForRun, writeSpec } from './runsFixtures';
import { activateExtension, sleep, waitFor, workspaceUri } from './util';

describe('Run commands', function () {
  // Each test trains for real: worker start-up (engine load) plus a few seconds of training on a busy machine.
  this.timeout(180_000);
  let api: MlbtcStudioApi;
  let restore: () => Promise<void>;
  let trained: RunInfo;

  before(async () => {
    api = await activateExtension();
    restore = await useSettings('runs-commands', 'cpu');
  });
  after(async () => {
    // Leave nothing training, whatever failed.
    const live = api.runs().filter((r) => r.state === 'running' || r.state === 'queued');
    if (live.length) await vscode.commands.executeCommand('mlbtc.stopRun', { runIds: live.map((r) => r.id) });
    await restore();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Train Structure trains a tiny structure to completion on the backend the setting names', async () => {
    const uri = await writeSpec('tiny-train.mlbtc.json', tinySpec('tiny-train', { backend: 'auto' }));
    const started = await vscode.commands.executeCommand<RunInfo>('mlbtc.train', uri);
    assert.ok(started, 'the command resolves to the run');
    assert.ok(['running', 'completed'].includes(started.state), `started: ${started.state}`);
    assert.equal(started.source, uri.fsPath);
    trained = await waitForRun(api, started.id, 'to complete', (r) => r.state === 'completed' || r.state === 'failed');
    assert.equal(trained.state, 'completed', trained.status?.exitReason ?? '');
    assert.equal(trained.status?.backend, 'cpu', 'mlbtc.backend applies to a structure whose backend is "auto"');
    assert.equal(trained.status?.step, 20);
    const train = records(trained).filter((r) => r.kind === 'train');
    assert.deepEqual(
      train.map((r) => r.step),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('trains on a native backend installed in the mlbtc.backendPackages folder (here a stand-in for tfjs-node)', async () => {
    const folder = workspaceUri('backend-packages').fsPath;
    writeStandInTfjsNode(folder);
    const config = vscode.workspace.getConfiguration('mlbtc');
    // Machine scope: only the user's settings may name it (a workspace must not choose code for training to load).
    await config.update('backendPackages', folder, vscode.ConfigurationTarget.Global);
    try {
      const uri = await writeSpec('tiny-native.mlbtc.json', tinySpec('tiny-native', { backend: 'tensorflow' }));
      const started = await vscode.commands.executeCommand<RunInfo>('mlbtc.train', uri);
      const run = await waitForRun(api, started.id, 'to complete', (r) => r.state === 'completed' || r.state === 'failed');
      assert.equal(run.state, 'completed', run.status?.exitReason ?? '');
      assert.equal(run.status?.backend, 'tensorflow');
      assert.match(readFileSync(path.join(run.dir, RunFiles.log), 'utf8'), /backend tensorflow \(@tensorflow\/tfjs-node\)/);
      assert.equal(records(run).filter((r) => r.kind === 'train').length, 20);
    } finally {
      await config.update('backendPackages', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('Export Run writes the metrics as `mlbtc export --csv` does: one row per record', async () => {
    const target = workspaceUri('tiny-train.metrics.csv');
    const written = await vscode.commands.executeCommand<vscode.Uri>('mlbtc.exportRun', { runId: trained.id, uri: target });
    assert.equal(written?.fsPath, target.fsPath);
    const lines = readFileSync(target.fsPath, 'utf8').trimEnd().split('\r\n'); // the one CSV dialect: CRLF
    const all = records(trained);
    // Columns: the fixed ones, then each evaluation metric in the order it first appears in the file.
    const evalKeys: string[] = [];
    for (const r of all)
      for (const k of Object.keys(r))
        if (!['kind', 'step', 'tokens', 'flops', 'wallMs', 'loss', 'lr'].includes(k) && !evalKeys.includes(k)) evalKeys.push(k);
    const header = ['kind', 'step', 'tokens', 'flops', 'wallMs', 'loss', 'lr', ...evalKeys];
    assert.deepEqual(lines[0]!.split(','), header);
    assert.ok(evalKeys.includes('val.loss'));
    assert.equal(lines.length - 1, all.length);
    assert.equal(all.filter((r) => r.kind === 'eval').length, 2, 'evaluations at steps 10 and 20');
    // Spot-check a row against its record.
    const row = lines[5]!.split(',');
    const record = all[4] as unknown as Record<string, unknown>;
    assert.deepEqual(
      row,
      header.map((c) => (record[c] === undefined ? '' : String(record[c]))),
    );
  });

  it('Reveal Spec opens the structure a run came from, and Open Log its worker log', async () => {
    const spec = await vscode.commands.executeCommand<vscode.Uri>('mlbtc.revealSpec', trained.id);
    assert.equal(spec?.fsPath, workspaceUri('tiny-train.mlbtc.json').fsPath);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, spec.fsPath);
    const log = await vscode.commands.executeCommand<vscode.Uri>('mlbtc.openRunLog', { runId: trained.id });
    assert.equal(log?.fsPath, path.join(trained.dir, 'worker.log'));
    assert.match(vscode.window.activeTextEditor?.document.getText() ?? '', /Z info +completed 20 steps\n/);
  });

  it('Train Structure refuses an invalid structure and starts nothing', async () => {
    // Three heads do not divide width 16.
    const uri = await writeSpec('train-invalid.mlbtc.json', tinySpec('train-invalid').replace('"heads": 2', '"heads": 3'));
    const before = api.runs().length;
    const result = await vscode.commands.executeCommand('mlbtc.train', uri);
    assert.equal(result, undefined);
    await sleep(300);
    assert.equal(api.runs().length, before);
  });

  it("Stop, Resume, Retry and Delete a run; a structure's own backend wins over the setting", async () => {
    try {
      const uri = await writeSpec('tiny-long.mlbtc.json', tinySpec('tiny-long', { steps: 100_000, backend: 'wasm' }));
      const run = await vscode.commands.executeCommand<RunInfo>('mlbtc.train', uri);
      assert.equal(run?.state, 'running');
      assert.equal(run.status?.backend, 'wasm', 'training.backend "wasm" is kept although mlbtc.backend is "cpu"');
      await waitForRun(api, run.id, 'to pass step 12', (r) => (r.status?.step ?? 0) >= 12);

      const [stopped] = (await vscode.commands.executeCommand<RunInfo[]>('mlbtc.stopRun', run.id))!;
      assert.equal(stopped?.state, 'cancelled');
      const stoppedAt = stopped!.status!.step;
      await waitFor(
        'the view to show the run cancelled',
        () => runRow(api, 'tiny-long.mlbtc.json', run.id)?.contextValue === 'mlbtc.run.cancelled',
      );

      const [resumed] = (await vscode.commands.executeCommand<RunInfo[]>('mlbtc.resumeRun', { runId: run.id }))!;
      assert.equal(resumed?.id, run.id);
      assert.equal(resumed?.state, 'running');
      await waitForRun(api, run.id, `to train past step ${stoppedAt + 3}`, (r) => (r.status?.step ?? 0) > stoppedAt + 3);
      await vscode.commands.executeCommand('mlbtc.stopRun', { runIds: [run.id] });
      // The resumed run continued from its checkpoint: its train records still count 1, 2, 3, ... without a gap.
      const steps = records(api.runs().find((r) => r.id === run.id)!)
        .filter((r) => r.kind === 'train')
        .map((r) => r.step);
      assert.deepEqual(
        steps,
        Array.from({ length: steps.length }, (_, i) => i + 1),
      );
      assert.ok(steps.length > stoppedAt + 3);

      const [retry] = (await vscode.commands.executeCommand<RunInfo[]>('mlbtc.retryRun', run.id))!;
      assert.notEqual(retry?.id, run.id);
      assert.equal(retry?.source, uri.fsPath);
      assert.equal(retry?.state, 'running');
      assert.equal(retry?.status?.step !== undefined && retry.status.step < stoppedAt + 3, true, 'a retry starts over');

      // A running run is not deleted.
      assert.equal(await vscode.commands.executeCommand('mlbtc.deleteRun', { runId: retry!.id, confirm: true }), undefined);
      assert.ok(existsSync(retry!.dir));
      await vscode.commands.executeCommand('mlbtc.stopRun', retry!.id);

      const deleted = await vscode.commands.executeCommand<string[]>('mlbtc.deleteRun', { runIds: [run.id, retry!.id], confirm: true });
      assert.deepEqual(deleted, [run.id, retry!.id]);
      assert.ok(!existsSync(run.dir) && !existsSync(retry!.dir));
      assert.ok(!api.runs().some((r) => r.id === run.id || r.id === retry!.id));
      await waitFor('the view to drop the deleted runs', () => !api.experimentsView().some((e) => e.label === 'tiny-long.mlbtc.json'));
    } finally {
      // Whatever failed, nothing of this structure keeps training and holding the queue for the next tests.
      const live = api
        .runs()
        .filter((r) => r.experiment.label === 'tiny-long.mlbtc.json' && (r.state === 'running' || r.state === 'queued'));
      if (live.length) await vscode.commands.executeCommand('mlbtc.stopRun', { runIds: live.map((r) => r.id) });
    }
  });

  it('Show Live Losses on a run opens the panel showing that run', async () => {
    const paints = async () =>
      ((await vscode.commands.executeCommand<PaintRecord[]>('mlbtc.panels.perf')) ?? []).filter((r) => r.panel === 'losses');
    const before = (await paints()).length;
    await vscode.commands.executeCommand('mlbtc.showLosses', { runIds: [trained.id] });
    // The train loss and val.loss of the 20-step run.
    const paint = await waitFor(
      'the chosen run painted',
      async () => (await paints()).slice(before).find((p) => p.content === '2 curves, step to 20'),
      30_000,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}; painted: ${JSON.stringify((await paints()).slice(before).map((p) => p.content))}`);
    });
    assert.ok(paint);
  });

  it('Start Search plans a small grid and drives its trials to the end', async () => {
    const uri = await writeSpec(
      'tiny-search.mlbtc.json',
      tinySpec(
        'tiny-search',
        { steps: 10, checkpointEvery: 5, evalEvery: 5 },
        { search: { strategy: 'grid', space: { 'training.lr': { choice: [0.001, 0.003] } } } },
      ),
    );
    const search = await vscode.commands.executeCommand<SearchRef>('mlbtc.startSearch', { uri, confirm: true });
    assert.ok(search?.id, 'the command resolves to the search');
    const trials = await waitFor(
      'both trials to complete',
      () => {
        const runs = api.runs().filter((r) => r.search?.id === search.id);
        return runs.length === 2 && runs.every((r) => r.state === 'completed') ? runs : undefined;
      },
      150_000,
    );
    assert.deepEqual(trials.map((r) => r.search!.trial).sort(), [0, 1]);
    const group = await waitFor('the search in the view, finished', () => {
      const g = api.experimentsView().find((e) => e.id === `experiment:search:${search.id}`);
      return g && g.contextValue === 'mlbtc.experiment.search.finished' ? g : undefined;
    });
    assert.match(group.label, /^tiny-search · \d\d:\d\d:\d\d$/, 'its name and start time; the id is in the tooltip');
    assert.deepEqual(
      group.children?.map((c) => c.label),
      ['#0 lr 1e-3', '#1 lr 3e-3'],
      'each trial labelled by the value the search varied',
    );
    assert.match(group.children![0]!.tooltip, /training\.lr = 0\.001/);
    assert.match(group.description, /^finished · 2 runs$/);
  });
});
