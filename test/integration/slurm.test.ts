// Runs on Slurm in the real editor: with mlbtc.executor "slurm", Train submits the run as a batch job to the test
// cluster (scripts/slurm/cluster.sh), its row in the Experiments view names the job, and it completes there; Start
// Search submits a grid's trials as one throttled job array, whose trials stream losses, stop with the search and
// resume with it. Show Job Script previews the script first. Skipped where no Slurm controller answers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as vscode from 'vscode';
import type { MlbtcStudioApi } from '../../src/extension/extension';
import { readJobFile } from '../../src/runs/slurm/jobFile';
import type { SearchRef } from '../../src/extension/runs/searchDriver';
import type { RunInfo } from '../../src/runs/store';
import { records, runRow, tinySpec, useSettings, waitForRun, writeSpec } from './runsFixtures';
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
    assert.match(text, /\nexec 'node' '[^']*dist\/worker\.js' "\$RUN_DIR" '--resume'\n/);
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
    assert.match(
      runRow(api, 'tiny-slurm.mlbtc.json', run.id)?.description ?? '',
      new RegExp(`^loss \\S+ · completed · 10/10 .* · job ${job.jobId}$`),
    );
  });

  it('Start Search submits a grid as one throttled job array; its trials stream, stop with the search and resume with it', async function () {
    this.timeout(300_000);
    const uri = await writeSpec(
      'grid-slurm.mlbtc.json',
      tinySpec(
        'grid-slurm',
        // ~100 steps a second here: 2,000 leave seconds between a trial's first losses and the stop.
        { steps: 2000, checkpointEvery: 200, evalEvery: 1000 },
        { search: { strategy: 'grid', space: { 'training.lr': { choice: [0.001, 0.002, 0.003] } } } },
      ),
    );
    const search = await vscode.commands.executeCommand<SearchRef>('mlbtc.startSearch', { uri, confirm: true });
    const trials = () => api.runs().filter((r) => r.search?.id === search.id);
    const jobs = await waitFor('the three trials to be submitted', () => {
      const files = trials().map((r) => readJobFile(r.dir));
      return files.length === 3 && files.every((j) => j?.jobId) ? files.map((j) => j!) : undefined;
    });
    assert.equal(new Set(jobs.map((j) => j.jobId)).size, 1, `one job array (${jobs.map((j) => j.jobId).join(', ')})`);
    assert.deepEqual(jobs.map((j) => j.arrayTask).sort(), [0, 1, 2]);
    const array = spawnSync('scontrol', ['show', 'job', jobs[0]!.jobId], { encoding: 'utf8' }).stdout;
    assert.match(array, /ArrayTaskThrottle=1\b/, 'throttled to mlbtc.maxConcurrentRuns');

    const streaming = await waitFor(
      'a trial to stream losses',
      () => trials().find((r) => r.state === 'running' && records(r).some((x) => x.kind === 'train')),
      120_000,
    );
    await vscode.commands.executeCommand('mlbtc.stopRun', { searchId: search.id });
    const stopped = await waitFor(
      'every trial to stop',
      () => (trials().every((r) => r.state === 'cancelled' || r.state === 'completed') ? trials() : undefined),
      120_000,
    );
    assert.ok(
      stopped.some((r) => r.id === streaming.id && r.state === 'cancelled'),
      `the streaming trial was cancelled (${stopped.map((r) => `${r.id}: ${r.state}`).join(', ')})`,
    );

    await vscode.commands.executeCommand('mlbtc.resumeRun', { searchId: search.id });
    const done = await waitFor(
      'every trial to complete after the resume',
      () => (trials().every((r) => r.state === 'completed') ? trials() : undefined),
      240_000,
    );
    assert.deepEqual(
      done.map((r) => r.status?.step),
      [2000, 2000, 2000],
    );
  });
});
