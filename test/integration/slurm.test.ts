// A run on Slurm in the real editor: with mlbtc.executor "slurm", Train submits the run as a batch job to the test
// cluster (scripts/slurm/cluster.sh), its row in the Experiments view names the job, and it completes there. Show
// Job Script previews the script first. Skipped where no Slurm controller answers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as vscode from 'vscode';
import type { MlbtcStudioApi } from '../../src/extension/extension';
import { readJobFile } from '../../src/runs/slurm/jobFile';
import type { RunInfo } from '../../src/runs/store';
import { runRow, tinySpec, useSettings, waitForRun, writeSpec } from './runsFixtures';
import { activateExtension, waitFor } from './util';

describe('Runs on Slurm', function () {
  this.timeout(180_000);
  let api: MlbtcStudioApi;
  let restore: () => Promise<void>;
  const slurm = vscode.workspace.getConfiguration('mlbtc');

  before(async function () {
    if (spawnSync('sinfo', ['-h']).status !== 0) return this.skip(); // no Slurm here (CI brings the test cluster up)
    api = await activateExtension();
    // The executor first: the runs directory's manager is made when the suite's first run is, with these settings.
    await slurm.update('executor', 'slurm', vscode.ConfigurationTarget.Workspace);
    await slurm.update('slurm.cpus', 1, vscode.ConfigurationTarget.Workspace);
    restore = await useSettings('runs-slurm', 'cpu');
  });
  after(async () => {
    if (!restore) return;
    await slurm.update('executor', undefined, vscode.ConfigurationTarget.Workspace);
    await slurm.update('slurm.cpus', undefined, vscode.ConfigurationTarget.Workspace);
    await restore();
  });

  it('Show Job Script previews the batch script of the active structure without submitting anything', async () => {
    const uri = await writeSpec('tiny-slurm.mlbtc.json', tinySpec('tiny-slurm', { steps: 10 }));
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('mlbtc.showJobScript', uri);
    const text = doc?.getText() ?? '';
    assert.match(text, /^# Preview: nothing was submitted/);
    assert.match(text, /\n#SBATCH --cpus-per-task=1\n/);
    assert.match(text, /\nexec 'node' '[^']*dist\/worker\.js' "\$RUN_DIR" --resume\n/);
    assert.deepEqual(api.runs(), []);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Train submits the run as a Slurm job; its row shows the job id, and it completes on the cluster', async () => {
    const uri = await writeSpec('tiny-slurm.mlbtc.json', tinySpec('tiny-slurm', { steps: 10 }));
    const run = await vscode.commands.executeCommand<RunInfo>('mlbtc.train', uri);
    const job = readJobFile(run.dir);
    assert.ok(job, `${run.id} has a Slurm job (${run.state}: ${run.status?.exitReason ?? ''})`);
    const row = await waitFor('the row to name the job', () => {
      const r = runRow(api, 'tiny-slurm.mlbtc.json', run.id);
      return r?.description.includes(`job ${job.jobId}`) ? r : undefined;
    });
    assert.match(row.tooltip, new RegExp(`Slurm job ${job.jobId}: `));
    const done = await waitForRun(api, run.id, 'to complete on Slurm', (r) => r.state === 'completed' || r.state === 'failed', 120_000);
    assert.equal(done.state, 'completed', done.status?.exitReason ?? '');
    assert.match(runRow(api, 'tiny-slurm.mlbtc.json', run.id)?.description ?? '', new RegExp(`^completed · 10/10 .* · job ${job.jobId}$`));
  });
});
