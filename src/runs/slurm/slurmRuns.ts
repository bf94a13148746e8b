/**
 * The run manager's Slurm side (manager.ts calls it at a few points): which runs belong to a Slurm job
 * (<run>/slurm.json), submitting queued runs in batches (the runs queued in one burst, e.g. a search's trials, go
 * as one job array), settling runs whose job ended without a final status, stop as scancel, and the checks resume
 * and delete make. Every state change happens under the run's lock, after re-reading status.json, as for local runs.
 *
 * Never twice: a run is submitted only under its lock, while it is queued without a job file, and the job file is
 * written before the lock is released. A controller that does not answer leaves runs as they are (queued or
 * running, "state unknown"): nothing is concluded from silence, and nothing is submitted again.
 */
import { readRunSpec, readStatus } from '../../runfolder/runFolder';
import type { RunStatus } from '../../protocol/run';
import { writeStatus } from '../../runfolder/statusFile';
import type { RunEvent } from '../events';
import { StoreError } from '../fsErrors';
import type { FileLock } from '../../runfolder/lock';
import type { RunInfo, RunStore } from '../store';
import { SlurmError } from './commands';
import { settledStatus, type ExecutorKind, type SlurmExecutor, type SubmitRun } from './executor';
import { hadSlurmJob, jobKey, markForResubmit, readJobFile, writeJobFile, type SlurmJobFile } from './jobFile';
import { describeJob, FINISHED_PHASES } from './jobState';

/** The executor a run's spec.json names (`execution.executor`), by run folder: a spec never changes once written. */
const specExecutors = new Map<string, ExecutorKind | null>();
const SPEC_EXECUTORS_KEPT = 10_000;

/** Does a queued run go to Slurm? Back there if it was there; else its spec's `execution.executor`, else `fallback`. */
export function runWantsSlurm(run: Pick<RunInfo, 'dir'>, fallback: ExecutorKind): boolean {
  if (hadSlurmJob(run.dir)) return true; // resumed: back to Slurm
  let named = specExecutors.get(run.dir);
  if (named === undefined) {
    try {
      named = readRunSpec(run.dir).spec.execution?.executor ?? null;
    } catch {
      return fallback === 'slurm'; // unreadable now: asked again next time
    }
    if (specExecutors.size >= SPEC_EXECUTORS_KEPT) specExecutors.clear();
    specExecutors.set(run.dir, named);
  }
  return (named ?? fallback) === 'slurm';
}

/**
 * A job's phase must have held this long before a run is settled from it. 3 s was once too short on a loaded machine:
 * a job being requeued showed its old start's FAILED for longer, and its run was settled failed (CI, 2026-12-05).
 */
const PHASE_SETTLED_MS = 8_000;

/** After Slurm did not answer a submission, wait this long before trying again. */
const SUBMIT_RETRY_MS = 30_000;

export class SlurmRuns {
  /** Runs handed to the next submission batch (flushed once the current burst of enqueues is over). */
  private readonly batch = new Map<string, RunInfo>();
  private flushing = false;
  private retryAt = 0;
  /** Jobs seen finished whose run needed no change: no need to ask Slurm about them again. */
  private readonly settled = new Set<string>();
  private closed = false;

  constructor(
    private readonly store: RunStore,
    readonly executor: SlurmExecutor,
    private readonly emit: (event: RunEvent) => void,
    private readonly changed: () => void,
    private readonly owner: string,
  ) {
    this.subscription = executor.poller.onChange(() => this.changed());
  }

  private readonly subscription: { dispose(): void };

  /** The run's job, when it was submitted to Slurm. */
  jobOf(run: Pick<RunInfo, 'dir'>): SlurmJobFile | null {
    return readJobFile(run.dir);
  }

  /**
   * On every tick: follow the jobs of unfinished Slurm runs, and settle runs whose job has ended (or was requeued).
   * True when a status was written.
   */
  tick(runs: readonly RunInfo[]): boolean {
    const jobs: { run: RunInfo; job: SlurmJobFile }[] = [];
    for (const run of runs) {
      const job = this.jobOf(run);
      const open = run.status && run.status.state !== 'completed' && run.status.state !== 'failed';
      if (job && open && !this.settled.has(`${run.id}:${jobKey(job)}`)) jobs.push({ run, job });
    }
    this.executor.follow(
      this,
      jobs.map((j) => j.job),
    );
    let changed = false;
    for (const { run, job } of jobs) {
      const reading = this.executor.observe(job);
      const seen = reading.job;
      if (!seen || seen.phase === 'running' || seen.phase === 'unknown') continue;
      // Slurm passes through end states while it requeues a job (the old start ends, the job is pending again): act
      // on a phase only once it has held a while.
      if (reading.phaseForMs < PHASE_SETTLED_MS) continue;
      const wrote = this.withLock(run, 'settle', () => {
        const status = readStatus(run.dir).status;
        const next = status && settledStatus(status, seen, run.dir, jobKey(job));
        if (next) writeStatus(run.dir, next);
        return next !== null;
      });
      if (wrote === undefined) continue; // its lock is held: next tick
      if (wrote) changed = true;
      else if (FINISHED_PHASES.includes(seen.phase)) this.settled.add(`${run.id}:${jobKey(job)}`);
    }
    return changed;
  }

  /** Queue these runs for the next submission; runs queued in the same burst go together (one array per settings). */
  submit(runs: readonly RunInfo[]): void {
    if (!runs.length || Date.now() < this.retryAt) return;
    for (const r of runs) this.batch.set(r.id, r);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    try {
      while (this.batch.size && !this.closed) {
        const runs = [...this.batch.values()];
        this.batch.clear();
        await this.submitNow(runs);
        this.changed();
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Submit these runs now (one job array per group of equal settings), each under its lock and only while it is
   * still queued without a job; a run that cannot be submitted fails with the reason (Slurm's own words).
   */
  async submitNow(runs: readonly RunInfo[]): Promise<void> {
    {
      {
        const locks: FileLock[] = [];
        const groups = new Map<string, { run: RunInfo; submit: SubmitRun }[]>();
        try {
          for (const run of runs) {
            const lock = this.store.runLock(run.id, `submit (${this.owner})`);
            if (!lock.tryAcquire()) continue;
            locks.push(lock);
            const status = readStatus(run.dir).status;
            if (status?.state !== 'queued' || this.jobOf(run)) continue; // submitted by someone else, or changed
            let key: string;
            let spec;
            try {
              spec = readRunSpec(run.dir).spec;
              key = this.executor.groupKey(spec);
            } catch (e) {
              this.fail(run, status, (e as Error).message);
              continue;
            }
            const group = groups.get(key) ?? [];
            group.push({ run, submit: { dir: run.dir, spec } });
            groups.set(key, group);
          }
          for (const group of groups.values()) await this.submitGroup(group);
        } finally {
          for (const lock of locks) lock.release();
        }
      }
    }
  }

  private async submitGroup(group: { run: RunInfo; submit: SubmitRun }[]): Promise<void> {
    try {
      const files = await this.executor.submit(group.map((g) => g.submit));
      group.forEach((g, i) => writeJobFile(g.run.dir, files[i]!));
    } catch (e) {
      if (e instanceof SlurmError && e.kind === 'unreachable') {
        // Not submitted (sbatch said so): the runs stay queued and are tried again later.
        this.retryAt = Date.now() + SUBMIT_RETRY_MS;
        this.emit({
          type: 'warning',
          message: `${e.message}; ${group.length} run(s) stay queued and are submitted again in ${SUBMIT_RETRY_MS / 1000} s`,
        });
        return;
      }
      for (const g of group) {
        const status = readStatus(g.run.dir).status;
        if (status) this.fail(g.run, status, `could not submit to Slurm: ${(e as Error).message}`);
      }
    }
  }

  private fail(run: RunInfo, status: RunStatus, reason: string): void {
    writeStatus(run.dir, {
      ...status,
      state: 'failed',
      pid: null,
      endedAt: new Date().toISOString(),
      exitReason: reason,
    });
  }

  /**
   * Stop a Slurm run: scancel its job. A pending job's run is cancelled at once; a running one's worker gets SIGTERM
   * from Slurm, checkpoints and writes "cancelled" itself (or the run is settled from the job's end).
   */
  async stop(run: RunInfo, job: SlurmJobFile, timeoutMs: number): Promise<void> {
    await this.executor.cancel(job);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.executor.poller.poll();
      const seen = this.executor.observe(job).job;
      const jobOver = seen !== undefined && FINISHED_PHASES.includes(seen.phase);
      const status = readStatus(run.dir).status;
      const ended = !status || status.state === 'completed' || status.state === 'failed' || status.state === 'cancelled';
      // Done once the job is over too, so that a resume right after finds nothing of it running.
      if (ended && jobOver) return;
      if (!ended && (status.state === 'queued' || jobOver)) {
        // No worker writes it any more (it never started, or its job is over).
        this.withLock(run, 'stop', () => {
          const now = readStatus(run.dir).status;
          if (now && (now.state === 'queued' || now.state === 'running' || now.state === 'interrupted')) {
            const exitReason = `stopped: Slurm job ${jobKey(job)} cancelled (last step ${now.step})`;
            writeStatus(run.dir, { ...now, state: 'cancelled', pid: null, endedAt: new Date().toISOString(), exitReason });
          }
        });
      }
      if (Date.now() > deadline) {
        if (ended) return;
        const waited = `${Math.round(timeoutMs / 1000)} s (${this.executor.describe(job)})`;
        throw new StoreError(`Run ${run.id}: Slurm job ${jobKey(job)} was cancelled but the run has not ended after ${waited}.`, undefined);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Before resume or delete: refuse while the job may still run; then forget it (resume submits a new job). */
  release(run: RunInfo, job: SlurmJobFile, action: 'resume' | 'delete'): void {
    let seen;
    try {
      seen = this.executor.observeNow(job);
    } catch (e) {
      throw new StoreError(
        `Cannot ${action} ${run.id}: the state of Slurm job ${jobKey(job)} is unknown (${(e as Error).message}); ` +
          'try again when Slurm answers.',
        'EBUSY',
      );
    }
    if (!seen || !FINISHED_PHASES.includes(seen.phase)) {
      const state = seen ? describeJob(seen) : 'not known to squeue or sacct yet';
      throw new StoreError(
        `Cannot ${action} ${run.id}: Slurm job ${jobKey(job)} is ${state}. Stop it first (that cancels the job).`,
        'EBUSY',
      );
    }
    if (action === 'resume') markForResubmit(run.dir, job);
  }

  close(): void {
    this.closed = true;
    this.subscription.dispose();
    this.executor.follow(this, []);
  }

  /** `fn` under the run's lock; undefined when the lock is held by someone else (or cannot be taken). */
  private withLock<T>(run: RunInfo, what: string, fn: () => T): T | undefined {
    const lock = this.store.runLock(run.id, `${what} (${this.owner})`);
    try {
      if (!lock.tryAcquire()) return undefined;
    } catch {
      return undefined;
    }
    try {
      return fn();
    } finally {
      lock.release();
    }
  }
}
