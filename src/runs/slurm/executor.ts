/**
 * The Slurm executor: what the run manager asks of Slurm. It submits queued runs (several at once as one job array
 * with a throttle), cancels jobs, and says what a run whose job ended without a final status should become. The
 * manager holds the run locks around each of these (manager.ts); the job states come from the one shared poller.
 */
import * as path from 'node:path';
import type { ResolvedSpec } from '../../core/spec/resolve';
import type { RunState, RunStatus } from '../../protocol/run';
import { queryJobsNow, sbatch, scancel } from './commands';
import { jobKey, readJobFile, type SlurmJobFile } from './jobFile';
import { SlurmJobPoller, type JobReading } from './jobPoller';
import { EXIT_RUN_DIR_NOT_WRITABLE, jobScript } from './jobScript';
import { describeJob, FINISHED_PHASES, lookupJob, parseSacct, parseSqueue, type JobObservation } from './jobState';
import { checkSlurmSettings, mergeSlurmSettings, type SlurmSettings } from './settings';
import { runtimeOfSpec } from '../runtime';
import { workerCommand, type WorkerPaths } from './workerCommand';
import { lastLogLine } from '../../runfolder/runFolder';

export type ExecutorKind = 'local' | 'slurm';

export interface SlurmExecutorOptions {
  /** The editor's `mlbtc.slurm.*` settings or the CLI's (checked already); read at each submission. */
  settings: () => SlurmSettings;
  workerPaths: WorkerPaths;
  /** At most this many tasks of one job array run at once (`--array=0-N%K`); none when absent. */
  arrayThrottle?: number;
  /** Defaults to the process-wide poller, shared by every manager in this process. */
  poller?: SlurmJobPoller;
}

/** A run to submit: its folder and resolved spec. */
export interface SubmitRun {
  dir: string;
  spec: ResolvedSpec;
}

let shared: SlurmJobPoller | undefined;

/** The one poller of this process: every run and every manager share its rounds. */
export function sharedJobPoller(): SlurmJobPoller {
  shared ??= new SlurmJobPoller();
  return shared;
}

/** The executor a spec asks for (`execution.executor`), else the default (the mlbtc.executor setting, the CLI flag). */
export function executorOf(spec: ResolvedSpec, fallback: ExecutorKind): ExecutorKind {
  return spec.execution?.executor ?? fallback;
}

export class SlurmExecutor {
  readonly poller: SlurmJobPoller;

  constructor(private readonly options: SlurmExecutorOptions) {
    this.poller = options.poller ?? sharedJobPoller();
  }

  /** The default settings overlaid with the spec's own `execution.slurm` (checked: throws naming the JSON path). */
  settingsFor(spec: ResolvedSpec): SlurmSettings {
    return mergeSlurmSettings(
      this.options.settings(),
      checkSlurmSettings(spec.execution?.slurm, (k) => `execution.slurm${k ? `.${k}` : ''}`),
    );
  }

  /** The batch script these runs (all of one spec's settings and runtime) would be submitted with. */
  script(runs: readonly SubmitRun[]): { script: string; args: string[] } {
    const spec = runs[0]!.spec;
    const settings = this.settingsFor(spec);
    const script = jobScript({
      settings,
      runDirs: runs.map((r) => r.dir),
      worker: workerCommand(runtimeOfSpec(spec), settings, this.options.workerPaths),
      name: spec.name,
      ...(this.options.arrayThrottle ? { throttle: this.options.arrayThrottle } : {}),
    });
    return {
      script,
      args: [`--output=${slurmOutputOf(runs)}`, ...(settings.extraArgs ?? [])],
    };
  }

  /**
   * Submit runs that share their settings and runtime: one job, or one job array when there are several. Returns the
   * job file of each run, in order. Throws SlurmError (missing client, refusal with Slurm's words, no answer) or
   * SlurmSettingsError.
   */
  async submit(runs: readonly SubmitRun[]): Promise<SlurmJobFile[]> {
    const { script, args } = this.script(runs);
    const submitted = await sbatch(script, args);
    const at = new Date().toISOString();
    return runs.map((_, i) => ({
      jobId: submitted.jobId,
      ...(runs.length > 1 ? { arrayTask: i } : {}),
      submittedAt: at,
      ...(submitted.cluster ? { cluster: submitted.cluster } : {}),
    }));
  }

  /** A key grouping runs that can share one job array: same settings, same runtime. */
  groupKey(spec: ResolvedSpec): string {
    return JSON.stringify([this.settingsFor(spec), runtimeOfSpec(spec)]);
  }

  cancel(job: SlurmJobFile): Promise<void> {
    return scancel([jobKey(job)]);
  }

  /** Follow these jobs (replacing what `owner` followed before). */
  follow(owner: object, jobs: readonly SlurmJobFile[]): void {
    this.poller.want(owner, jobs.map(jobKey));
  }

  /** The job's last observed state; `unknown` says why it is not known. */
  observe(job: SlurmJobFile): JobReading {
    return this.poller.read(jobKey(job));
  }

  /** The job's state asked of Slurm now (synchronously): for decisions a user is waiting on. */
  observeNow(job: SlurmJobFile): JobObservation | undefined {
    const { squeue, sacct } = queryJobsNow([job.jobId]);
    const queued = new Map(parseSqueue(squeue).map((j) => [j.key, j]));
    return lookupJob(queued, jobKey(job)) ?? lookupJob(new Map(parseSacct(sacct).map((j) => [j.key, j])), jobKey(job));
  }

  /** "job 123_4: pending (Priority)", "job 123: state unknown (Slurm is not answering …)": for the UI and the CLI. */
  describe(job: SlurmJobFile): string {
    return jobLine(jobKey(job), this.observe(job));
  }
}

/** "Slurm job 123_4: pending (Priority)" for a run that has a job, else null: for the Experiments view and `mlbtc runs`. */
export function describeRunJob(runDir: string, poller: SlurmJobPoller = sharedJobPoller()): { key: string; line: string } | null {
  const job = readJobFile(runDir);
  if (!job) return null;
  const seen = poller.read(jobKey(job));
  return { key: jobKey(job), line: jobLine(jobKey(job), seen) };
}

function jobLine(key: string, seen: { job: JobObservation | undefined; unknown?: string }): string {
  return `Slurm job ${key}: ${seen.unknown && !seen.job ? `state unknown (${seen.unknown})` : describeJob(seen.job)}`;
}

/**
 * What a run's status should become given its job's state, or null to leave it as it is. Applied by the manager
 * under the run's lock when no worker is writing (the job is not running):
 * - the worker's own final word (completed, failed) stands; so does "cancelled" when the job was cancelled;
 * - "cancelled" by the signal Slurm sends before the time limit (or on preemption) while the job was not cancelled:
 *   interrupted, resumable;
 * - a job requeued by Slurm (pending again after a restart): queued again, its worker resumes when it starts;
 * - a job that ended without the worker's final status: the job's own ending (failed with its exit code and the
 *   log's last line, cancelled, interrupted by TIMEOUT, PREEMPTED, NODE_FAIL).
 */
export function settledStatus(status: RunStatus, job: JobObservation, runDir: string, key: string): RunStatus | null {
  const now = new Date().toISOString();
  const become = (state: RunState, reason: string): RunStatus | null =>
    state === status.state
      ? null
      : {
          ...status,
          state,
          pid: null,
          endedAt: state === 'queued' ? null : now,
          exitReason: state === 'queued' ? null : `${reason} (last step ${status.step})`,
        };
  if (job.phase === 'pending') {
    return job.restarts > 0 && status.state !== 'queued' && status.state !== 'completed' ? become('queued', '') : null;
  }
  if (!FINISHED_PHASES.includes(job.phase)) return null;
  if (status.state === 'completed' || status.state === 'failed') return null;
  const where = job.node ? ` on ${job.node}` : '';
  if (status.state === 'cancelled') {
    if (job.phase === 'cancelled') return null;
    const why = job.phase === 'completed' ? ': the signal before its time limit' : '';
    return become('interrupted', `Slurm job ${key} was stopped by Slurm${where} (${job.state}${why}); resume goes on from its checkpoint`);
  }
  switch (job.phase) {
    case 'cancelled':
      return become('cancelled', `Slurm job ${key} was cancelled${where}`);
    case 'interrupted':
      return become(
        'interrupted',
        `Slurm job ${key} ended ${job.state}${where}${job.reason ? ` (${job.reason})` : ''}; resume continues from the last checkpoint`,
      );
    case 'completed':
      return become('failed', `Slurm job ${key} ended${where} without the worker writing a final status${lastLogLine(runDir)}`);
    default:
      if (job.exitCode === EXIT_RUN_DIR_NOT_WRITABLE)
        return become(
          'failed',
          `Slurm job ${key}: the run folder ${runDir} is not writable from node ${job.node ?? '?'} ` +
            '(is it on a file system the nodes share?)',
        );
      return become(
        'failed',
        `Slurm job ${key} ${job.state}${job.exitCode !== null ? ` with exit code ${job.exitCode}` : ''}${where}` +
          `${job.reason ? ` (${job.reason})` : ''}${lastLogLine(runDir)}`,
      );
  }
}

/** Slurm's own output (lines before the script takes over, its errors): next to the run, or the array's first run. */
function slurmOutputOf(runs: readonly SubmitRun[]): string {
  const dir = (runs.length > 1 ? path.dirname(runs[0]!.dir) : runs[0]!.dir).replace(/%/g, '%%'); // % starts a Slurm pattern
  return path.join(dir, runs.length > 1 ? '.slurm-%A_%a.out' : 'slurm-%j.out');
}
