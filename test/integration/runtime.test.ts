// The runtime choice inside the real editor: Show Training Devices reports the Python found and what "auto" picks,
// and a structure with training.runtime "torch" trains with the PyTorch worker (python -m mlbtc_torch.worker from
// the checkout's src/pytorch): it starts, streams its losses to the live-losses panel, stops, resumes from its
// checkpoint and shows its runtime. That test needs a Python with torch ≥ 2.1 where the extension looks
// (mlbtc.python, MLBTC_PYTHON, the Python extension, python3 on PATH) and the mlbtc_torch package; without them it
// is skipped, saying why.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { MlbtcStudioApi } from '../../src/extension/extension';
import type { PaintRecord } from '../../src/extension/panels/perf';
import { RunFiles, type RunSpecFile } from '../../src/protocol/run';
import type { DevicesReport } from '../../src/runs/devices';
import { torchAtLeast } from '../../src/runs/python';
import type { RunInfo } from '../../src/runs/store';
import { records, runRow, tinySpec, useSettings, waitForRun, writeSpec } from './runsFixtures';
import { activateExtension, waitFor } from './util';

/** Why the PyTorch worker cannot run here, or null when it can. */
function torchUnavailable(report: DevicesReport): string | null {
  if (!report.search.found) return `no Python found (looked at ${report.search.looked.join('; ')})`;
  const r = report.result;
  if (!r?.ok) return `${report.search.found.path}: ${r?.reason ?? 'not probed'}`;
  return torchAtLeast(r.probe.torch) ? null : `torch ${r.probe.torch} is too old`;
}

describe('Runtimes', function () {
  // The torch test trains for real: importing torch takes seconds, and the run is stopped and resumed once.
  this.timeout(240_000);
  let api: MlbtcStudioApi;
  let restore: () => Promise<void>;

  before(async () => {
    api = await activateExtension();
    restore = await useSettings('runs-runtime', 'cpu');
  });
  after(async () => {
    const live = api.runs().filter((r) => r.state === 'running' || r.state === 'queued');
    if (live.length) await vscode.commands.executeCommand('mlbtc.stopRun', { runIds: live.map((r) => r.id) });
    await restore();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Show Training Devices shows the Python found and how, the tfjs backends, and what auto picks', async () => {
    const report = await vscode.commands.executeCommand<DevicesReport>('mlbtc.showDevices');
    assert.ok(report, 'the command resolves to its report');
    const text = vscode.window.activeTextEditor?.document.getText() ?? '';
    assert.match(text, /^PyTorch runtime\n {2}Python: /);
    const found = report.search.found;
    assert.ok(found ? text.includes(`  Python: ${found.path} (from ${found.how})\n`) : text.includes('  Python: none found\n'), text);
    assert.match(text, /\ntfjs runtime \(built in\)\n {2}backends "auto" tries, in order: tensorflow, webgpu, wasm, cpu\n/);
    assert.match(text, /\ntraining\.runtime "auto" picks: (torch \d|tfjs \()/);
  });

  it('a run with training.runtime "torch" starts, streams losses, stops, resumes and shows its runtime', async function () {
    const report = (await vscode.commands.executeCommand<DevicesReport>('mlbtc.showDevices'))!;
    const why = torchUnavailable(report);
    if (why) {
      // CI installs torch (.ci/run), so there a missing one is a failure, never a silent skip.
      if (process.env.CI) throw new Error(`the PyTorch worker cannot run in CI: ${why}`);
      console.log(`skipped: the PyTorch worker cannot run here: ${why}`);
      this.skip();
    }
    const paints = async () =>
      ((await vscode.commands.executeCommand<PaintRecord[]>('mlbtc.panels.perf')) ?? []).filter((r) => r.panel === 'losses');
    const uri = await writeSpec('tiny-torch.mlbtc.json', tinySpec('tiny-torch', { steps: 100_000, runtime: 'torch', device: 'cpu' }));
    try {
      // training.runtime "torch" wins over mlbtc.runtime "tfjs" (set by useSettings).
      const run = (await vscode.commands.executeCommand<RunInfo>('mlbtc.train', uri))!;
      assert.equal(run?.state, 'running', run?.status?.exitReason ?? run?.problem ?? '');
      const spec = JSON.parse(readFileSync(path.join(run.dir, RunFiles.spec), 'utf8')) as RunSpecFile;
      assert.equal(spec.spec.training.runtime, 'torch');
      assert.equal(spec.overrides.runtime, 'torch', 'the choice is recorded in spec.json');
      const running = await waitForRun(api, run.id, 'to pass step 12', (r) => (r.status?.step ?? 0) >= 12);
      assert.match(running.status?.runtime ?? '', /^torch \d+\.\d+\S* · cpu/);

      const before = (await paints()).length;
      await vscode.commands.executeCommand('mlbtc.showLosses', { runIds: [run.id] });
      await waitFor(
        'its losses painted',
        async () => (await paints()).slice(before).find((p) => /^\d+ curves?, step to \d+$/.test(p.content)),
        30_000,
      );

      const [stopped] = (await vscode.commands.executeCommand<RunInfo[]>('mlbtc.stopRun', run.id))!;
      assert.equal(stopped?.state, 'cancelled', stopped?.status?.exitReason ?? '');
      const stoppedAt = stopped!.status!.step;

      const [resumed] = (await vscode.commands.executeCommand<RunInfo[]>('mlbtc.resumeRun', { runId: run.id }))!;
      assert.equal(resumed?.state, 'running', resumed?.status?.exitReason ?? '');
      const after = await waitForRun(api, run.id, `to train past step ${stoppedAt + 3}`, (r) => (r.status?.step ?? 0) > stoppedAt + 3);
      assert.match(after.status?.runtime ?? '', /^torch /, 'a resume uses the runtime the run was started with');
      await vscode.commands.executeCommand('mlbtc.stopRun', { runIds: [run.id] });
      const steps = records(api.runs().find((r) => r.id === run.id)!)
        .filter((r) => r.kind === 'train')
        .map((r) => r.step);
      assert.deepEqual(
        steps,
        Array.from({ length: steps.length }, (_, i) => i + 1),
        'the resumed run continued from its checkpoint',
      );

      const row = await waitFor('its row in the Experiments view', () => runRow(api, 'tiny-torch.mlbtc.json', run.id));
      assert.ok(row.tooltip.includes(`runtime ${after.status!.runtime}`), row.tooltip);
    } finally {
      const live = api
        .runs()
        .filter((r) => r.experiment.label === 'tiny-torch.mlbtc.json' && (r.state === 'running' || r.state === 'queued'));
      if (live.length) await vscode.commands.executeCommand('mlbtc.stopRun', { runIds: live.map((r) => r.id) });
    }
  });
});
