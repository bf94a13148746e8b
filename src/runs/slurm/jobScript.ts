/**
 * The batch script for one run or for a job array of runs (a search's trials), as a pure function of the settings,
 * the run folders and the worker command: the "Show Job Script" preview is exactly what gets submitted.
 *
 * - `#SBATCH` lines carry only plain values (settings.ts checks them); paths, names and commands appear only in
 *   shell code, each through shellQuote.
 * - The worker is `exec`ed, so it is the batch step's main process and receives `--signal=B:TERM@s` itself: it
 *   finishes its step, saves a checkpoint and stops before the time limit kills it.
 * - Its command comes from the one builder of worker commands (workerCommand.ts, runs/workerInvocation.ts), with the
 *   run folder as the script's `$RUN_DIR` and always `--resume`.
 * - Its output is appended to the run's worker.log by the script itself, so any run folder path works, and a run
 *   folder the node cannot write ends the job at once with a message saying so.
 */
import { RunFiles } from '../../protocol/run';
import type { WorkerInvocation } from '../workerInvocation';
import { shellQuote } from './shellQuote';
import type { SlurmSettings } from './settings';

/** The run folder in a job's worker argv: the script's RUN_DIR variable, which an array task sets when it runs. */
export const JOB_RUN_DIR = '$RUN_DIR';

/** How the node starts a worker: a worker invocation on JOB_RUN_DIR, its environment exported first. */
export type WorkerCommand = WorkerInvocation;

export interface JobScriptRequest {
  settings: SlurmSettings;
  /** One run folder (a plain job) or several (a job array, task i running runDirs[i]). Absolute paths. */
  runDirs: string[];
  worker: WorkerCommand;
  /** Job name shown by squeue, e.g. the spec's name. */
  name: string;
  /** For an array: at most this many tasks run at once (`--array=0-N%K`). */
  throttle?: number;
}

/** Exit status of a job whose run folder the node cannot write (the script's own check, before the worker). */
export const EXIT_RUN_DIR_NOT_WRITABLE = 3;

/** Seconds before the time limit at which the worker is asked to stop when settings.signalSeconds is not given. */
export const DEFAULT_SIGNAL_SECONDS = 120;

/** Marks the user's set-up lines in the script, so the preview shows where their own code runs. */
export const SETUP_BEGIN = '# ---- set-up lines from mlbtc.slurm.setup / execution.slurm.setup (your own shell code, run as written) ----';
export const SETUP_END = '# ---- end of set-up lines ----';

export function jobScript(request: JobScriptRequest): string {
  const { settings: s, runDirs, worker } = request;
  if (runDirs.length === 0) throw new Error('a job script needs at least one run folder');
  const array = runDirs.length > 1;
  const sbatch: string[] = [`--job-name=mlbtc-${jobNameWord(request.name)}`];
  if (s.partition) sbatch.push(`--partition=${s.partition}`);
  if (s.account) sbatch.push(`--account=${s.account}`);
  if (s.qos) sbatch.push(`--qos=${s.qos}`);
  if (s.time) sbatch.push(`--time=${s.time}`);
  if (s.gpus) sbatch.push(`--gres=gpu:${s.gpus}`);
  if (s.cpus) sbatch.push(`--cpus-per-task=${s.cpus}`);
  if (s.mem) sbatch.push(`--mem=${s.mem}`);
  sbatch.push('--ntasks=1', `--signal=B:TERM@${s.signalSeconds ?? DEFAULT_SIGNAL_SECONDS}`, '--requeue', '--open-mode=append');
  if (array) sbatch.push(`--array=0-${runDirs.length - 1}${request.throttle ? `%${request.throttle}` : ''}`);

  const lines = ['#!/bin/bash', `# MLBTC Studio: ${array ? `job array of ${runDirs.length} runs` : 'one run'} of ${oneLine(request.name)}`];
  lines.push(...sbatch.map((o) => `#SBATCH ${o}`));
  lines.push('');
  if (array) {
    lines.push(
      'run_dirs=(',
      ...runDirs.map((d) => `  ${shellQuote(d)}`),
      ')',
      'RUN_DIR=${run_dirs[${SLURM_ARRAY_TASK_ID:?not an array task}]}',
    );
  } else {
    lines.push(`RUN_DIR=${shellQuote(runDirs[0]!)}`);
  }
  lines.push(
    `LOG="$RUN_DIR"/${shellQuote(RunFiles.log)}`,
    `if ! cd "$RUN_DIR" || ! : >> "$LOG"; then`,
    '  echo "mlbtc: the run folder $RUN_DIR is not writable from node $(hostname)" >&2',
    `  exit ${EXIT_RUN_DIR_NOT_WRITABLE}`,
    'fi',
    'exec >> "$LOG" 2>&1',
    'echo "mlbtc: Slurm job ${SLURM_JOB_ID} on $(hostname), restart ${SLURM_RESTART_COUNT:-0}, $(date -u +%FT%TZ)"',
  );
  if (s.setup?.length) lines.push(SETUP_BEGIN, ...s.setup, SETUP_END);
  for (const [key, value] of Object.entries(worker.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`not an environment variable name: ${JSON.stringify(key)}`);
    lines.push(`export ${key}=${shellQuote(value)}`);
  }
  // Ahead of what the set-up lines put there, as a local launch puts it ahead of the inherited PYTHONPATH.
  if (worker.pythonPath) lines.push(`export PYTHONPATH=${shellQuote(worker.pythonPath)}"\${PYTHONPATH:+:$PYTHONPATH}"`);
  if (!worker.argv.includes(JOB_RUN_DIR)) throw new Error(`the worker command ${JSON.stringify(worker.argv)} does not name the run folder`);
  lines.push(`exec ${worker.argv.map((a) => (a === JOB_RUN_DIR ? '"$RUN_DIR"' : shellQuote(a))).join(' ')}`, '');
  return lines.join('\n');
}

/** A job name for `#SBATCH --job-name`: plain characters only (it is not shell code, and no quoting applies). */
function jobNameWord(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 60) || 'run';
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
