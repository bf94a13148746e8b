/**
 * The editor's side of the Slurm executor: the mlbtc.executor and mlbtc.slurm.* settings, the executor the run
 * managers submit with (only in a trusted folder: an untrusted one never gets one, so nothing is ever submitted
 * from it), "MLBTC: Show Job Script" (the exact script a run of the active structure would be submitted with,
 * before anything is submitted), and the wait after Train for a Slurm run's submission.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunManager } from '../../runs/manager';
import { executorOf, SlurmExecutor, type ExecutorKind } from '../../runs/slurm/executor';
import { jobKey, readJobFile } from '../../runs/slurm/jobFile';
import { checkSlurmSettings, SLURM_SETTING_KEYS, type SlurmSettings } from '../../runs/slurm/settings';
import { runWantsSlurm } from '../../runs/slurm/slurmRuns';
import type { RunInfo } from '../../runs/store';
import { baseName } from '../structures/structureFiles';
import type { ValidationCache } from '../structures/validation';
import { maxConcurrentRuns, runsDirectoryFor } from './settings';
import { structureUri } from './targets';

export const SHOW_JOB_SCRIPT = 'mlbtc.showJobScript';

/** How long Train waits for sbatch to answer before leaving the run to the queue owner. */
const SUBMIT_WAIT_MS = 60_000;

export function executorSetting(): ExecutorKind {
  return vscode.workspace.getConfiguration('mlbtc').get<string>('executor') === 'slurm' ? 'slurm' : 'local';
}

/** The mlbtc.slurm.* settings, checked (a bad value throws naming its setting). */
export function slurmSettings(): SlurmSettings {
  const config = vscode.workspace.getConfiguration('mlbtc.slurm');
  const raw: Record<string, unknown> = {};
  for (const key of SLURM_SETTING_KEYS) {
    const value = config.get(key);
    // Defaults ("", [], 0 CPUs) mean "leave it to the cluster": no option at all.
    if (
      value === undefined ||
      value === null ||
      value === '' ||
      (Array.isArray(value) && value.length === 0) ||
      (key === 'cpus' && value === 0)
    )
      continue;
    raw[key] = value;
  }
  return checkSlurmSettings(raw, (k) => `mlbtc.slurm${k ? `.${k}` : ''}`);
}

/**
 * The executor of this window's run managers: the bundled worker, and src/pytorch of the extension for PyTorch runs.
 * Runs submitted together go as one job array that keeps `arrayThrottle` tasks running: a search's trials at its
 * `search.maxConcurrent`, else mlbtc.maxConcurrentRuns (read when the managers are opened).
 */
export function slurmExecutor(extensionPath: string, arrayThrottle = maxConcurrentRuns()): SlurmExecutor {
  return new SlurmExecutor({
    settings: slurmSettings,
    arrayThrottle,
    workerPaths: { tfjsWorker: path.join(extensionPath, 'dist', 'worker.js'), pytorchPath: path.join(extensionPath, 'src', 'pytorch') },
  });
}

/** "MLBTC: Show Job Script": the script and sbatch options a run of the structure would be submitted with. */
export async function showJobScript(
  extensionPath: string,
  validation: ValidationCache,
  arg: unknown,
): Promise<vscode.TextDocument | undefined> {
  const uri = await structureUri(arg, 'Show Job Script');
  if (!uri) return undefined;
  const document = await vscode.workspace.openTextDocument(uri);
  const { spec } = validation.of(document);
  if (!spec) {
    void vscode.window.showErrorMessage(`${baseName(uri)} is not a valid structure; fix its problems to see its job script.`);
    return undefined;
  }
  let text: string;
  try {
    const runDir = path.join(runsDirectoryFor(uri), '<new run>');
    const { script, args } = slurmExecutor(extensionPath).script([{ dir: runDir, spec }]);
    const executor = executorOf(spec, executorSetting());
    text = [
      `# Preview: nothing was submitted. A run of ${baseName(uri)} is submitted as: sbatch --parsable ${args.join(' ')} < this script`,
      `# (executor for this structure: ${executor}${executor === 'local' ? '; Slurm: set mlbtc.executor or execution.executor' : ''})`,
      script,
    ].join('\n');
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot write the job script of ${baseName(uri)}: ${(e as Error).message}`);
    return undefined;
  }
  const preview = await vscode.workspace.openTextDocument({ language: 'shellscript', content: text });
  await vscode.window.showTextDocument(preview, { preview: true });
  return preview;
}

/**
 * After Train: a run that goes to Slurm is submitted by its queue owner; wait for sbatch's answer and say the job
 * (or Slurm's refusal). Null when the run does not go to Slurm.
 */
export async function awaitSubmission(manager: RunManager, run: RunInfo): Promise<RunInfo | null> {
  if (!runWantsSlurm(run, executorSetting())) return null;
  let submitted: RunInfo;
  try {
    submitted = await manager.waitFor(run.id, (r) => readJobFile(r.dir) !== null || r.state !== 'queued', SUBMIT_WAIT_MS);
  } catch {
    void vscode.window.showWarningMessage(
      `${run.id} is queued for Slurm but not submitted after ${SUBMIT_WAIT_MS / 1000} s; the window owning the run queue submits it.`,
    );
    return manager.get(run.id);
  }
  const job = readJobFile(submitted.dir);
  if (job)
    void vscode.window.showInformationMessage(`${run.id} was submitted as Slurm job ${jobKey(job)}; the Experiments view shows its state.`);
  else if (submitted.state === 'failed') void vscode.window.showErrorMessage(`${run.id} failed: ${submitted.status?.exitReason ?? ''}`);
  return submitted;
}
