/**
 * One poller for the Slurm jobs of every run this process follows: each round is one `squeue --json`, plus one
 * `sacct --json -j …` for the jobs squeue no longer lists (they ended), however many runs and managers there are.
 * Rounds run every `intervalMs` (default 5 s) while any job is wanted, so the controller sees a modest load.
 *
 * A round that fails (controller down, client missing) keeps the last observations and records the error: the
 * runs then say their state is unknown, and nothing is concluded from silence.
 */
import { lookupJob, parseSacct, parseSqueue, type JobObservation } from './jobState';
import { sacctJson, squeueJson } from './commands';

export interface JobQueries {
  squeue(): Promise<unknown>;
  sacct(keys: readonly string[]): Promise<unknown>;
}

export interface JobReading {
  job: JobObservation | undefined;
  /** How long the job has been seen in its present phase (from the first round that saw it so); 0 when unseen. */
  phaseForMs: number;
  /** Why the state is not known now: the last round failed, or none has run since the job was wanted. */
  unknown?: string;
}

const DEFAULT_INTERVAL_MS = 5_000;

export class SlurmJobPoller {
  private jobs = new Map<string, JobObservation>();
  private readonly wanted = new Map<object, Set<string>>();
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | null = null;
  private error: string | null = null;
  /** Keys covered by the last successful round. */
  private covered = new Set<string>();
  /** When each job was first seen in its present phase. */
  private phaseSince = new Map<string, { phase: string; at: number }>();

  constructor(
    private readonly intervalMs: number = DEFAULT_INTERVAL_MS,
    private readonly queries: JobQueries = {
      squeue: squeueJson,
      sacct: sacctJson,
    },
  ) {}

  /** Replace the jobs `owner` wants followed (an empty list: none); polling runs while anyone wants one. */
  want(owner: object, keys: Iterable<string>): void {
    const set = new Set(keys);
    if (set.size) this.wanted.set(owner, set);
    else this.wanted.delete(owner);
    const fresh = [...set].some((k) => !this.covered.has(k));
    if (this.wanted.size && !this.timer) {
      this.timer = setInterval(() => void this.poll(), this.intervalMs);
      this.timer.unref();
    } else if (!this.wanted.size && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    if (fresh) void this.poll();
  }

  /** Called after each round that changed an observation (or failed). */
  onChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  read(key: string, now: number = Date.now()): JobReading {
    const job = lookupJob(this.jobs, key);
    const since = job ? this.phaseSince.get(job.key) : undefined;
    const phaseForMs = since && job && since.phase === job.phase ? now - since.at : 0;
    if (this.error) return { job, phaseForMs, unknown: `Slurm is not answering (${this.error}); the job's state is unknown` };
    if (!this.covered.has(key)) return { job, phaseForMs, ...(job ? {} : { unknown: 'waiting for the first answer from Slurm' }) };
    if (!job) return { job, phaseForMs, unknown: 'neither squeue nor sacct knows the job (yet)' };
    return { job, phaseForMs };
  }

  /** One round now (or the one in flight); resolves when it is done. */
  poll(): Promise<void> {
    this.round ??= this.pollOnce().finally(() => (this.round = null));
    return this.round;
  }

  private async pollOnce(): Promise<void> {
    const keys = new Set<string>();
    for (const set of this.wanted.values()) for (const k of set) keys.add(k);
    if (!keys.size) return;
    const before = JSON.stringify([...this.jobs.entries()]) + this.error;
    try {
      const next = new Map<string, JobObservation>();
      for (const job of parseSqueue(await this.queries.squeue())) next.set(job.key, job);
      const ended = [...keys].filter((k) => !lookupJob(next, k));
      if (ended.length) {
        // Ask by job id: an array's tasks are listed under it. sacct names a task "123_4" as squeue does.
        const ids = [...new Set(ended.map((k) => k.split('_')[0]!))];
        // A requeued job has a record per start, oldest first: the last one is its present.
        const accounted = new Map(parseSacct(await this.queries.sacct(ids)).map((j) => [j.key, j]));
        for (const [key, job] of accounted) if (!next.has(key)) next.set(key, job);
      }
      const now = Date.now();
      const since = new Map<string, { phase: string; at: number }>();
      for (const [key, job] of next) {
        const before = this.phaseSince.get(key);
        since.set(key, before && before.phase === job.phase ? before : { phase: job.phase, at: now });
      }
      this.phaseSince = since;
      this.jobs = next;
      this.covered = keys;
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message.split('\n')[0]!.slice(0, 300);
    }
    if (JSON.stringify([...this.jobs.entries()]) + this.error !== before) for (const l of [...this.listeners]) l();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.wanted.clear();
    this.listeners.clear();
  }
}
