/**
 * Following a runs directory: which runs appeared or disappeared, and which changed state, step or metrics. The run
 * manager feeds it each tick's list of runs and forwards what it reports as RunEvents.
 *
 * It never reads a metric record. A 'metrics' event is a doorbell ("metrics.jsonl changed"), noticed from the file's
 * size and modification time; whoever shows records (the live-losses panel, the Experiments tree's latest loss)
 * tails or reads the file itself, so each file is read once, by the one that needs it.
 *
 * fs.watch on the runs directory and on each running run's folder asks for an early tick (within ~50 ms of a
 * change); where watching fails (watcher limits, network file systems) the manager's poll still covers everything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunFiles, type RunState } from '../protocol/run';
import type { RunEvent } from './events';
import type { RunInfo } from './store';

export interface FollowerOptions {
  /** Where the runs live: watched for runs appearing and disappearing. */
  root: string;
  emit: (event: RunEvent) => void;
  /** Asked for after a burst of fs events: run a tick soon. */
  tick: () => void;
  /** Use fs.watch for earlier ticks. */
  watch: boolean;
  /** The manager's poll period, named in warnings. */
  pollMs: number;
}

interface Followed {
  state: RunState | 'unknown';
  step: number | null;
  /** metrics.jsonl's size and modification time when last seen ("" before it exists). */
  metrics: string;
  /** fs.watch on the run folder while it runs, for prompt events. */
  watcher?: fs.FSWatcher;
}

export class RunFollower {
  private readonly followed = new Map<string, Followed>();
  private rootWatcher: fs.FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: FollowerOptions) {}

  /** Watch the runs directory itself, so added and removed runs tick promptly. */
  watchRoot(): void {
    if (!this.options.watch) return;
    try {
      fs.mkdirSync(this.options.root, { recursive: true });
      const w = fs.watch(this.options.root, { persistent: false, recursive: false }, () => this.soon());
      w.on('error', () => w.close());
      this.rootWatcher = w;
    } catch (e) {
      // Too many watchers, an unwritable parent, a file system without notifications: the poll still runs.
      this.options.emit({
        type: 'warning',
        message: `watching ${this.options.root} failed (${(e as Error).message}); polling every ${this.options.pollMs} ms instead`,
      });
    }
  }

  /** Compare `runs` (this tick's list) with the previous one and emit what changed. `initial`: no 'added' events. */
  update(runs: readonly RunInfo[], initial: boolean): void {
    const seen = new Set<string>();
    for (const run of runs) {
      seen.add(run.id);
      let f = this.followed.get(run.id);
      if (!f) {
        // Records already on disk are read by whoever shows them; from here on, changes ring the bell.
        f = { state: run.state, step: run.status?.step ?? null, metrics: metricsStamp(run.dir) };
        this.followed.set(run.id, f);
        if (!initial) this.options.emit({ type: 'added', run });
      }
      const previous = f.state;
      // Metrics change while a run may be writing them, and once more when it has just stopped (the final records).
      if (run.state === 'running' || run.state === 'queued' || previous !== run.state) {
        const stamp = metricsStamp(run.dir);
        if (stamp !== f.metrics) {
          f.metrics = stamp;
          this.options.emit({ type: 'metrics', id: run.id });
        }
      }
      if (previous !== run.state) {
        f.state = run.state;
        this.options.emit({ type: 'state', run, previous });
      }
      const step = run.status?.step ?? null;
      if (step !== f.step) {
        f.step = step;
        if (run.state === 'running') this.options.emit({ type: 'progress', run });
      }
      this.watchRun(run, f);
    }
    for (const [id, f] of [...this.followed]) {
      if (!seen.has(id)) {
        f.watcher?.close();
        this.followed.delete(id);
        this.options.emit({ type: 'removed', id });
      }
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.debounce);
    this.rootWatcher?.close();
    for (const f of this.followed.values()) f.watcher?.close();
  }

  /** Watch a running run's folder (appended metrics, status heartbeats); stop watching once it no longer runs. */
  private watchRun(run: RunInfo, f: Followed): void {
    const running = run.state === 'running';
    if (!this.options.watch) return;
    if (running && !f.watcher) {
      try {
        f.watcher = fs.watch(run.dir, { persistent: false }, () => this.soon());
        f.watcher.on('error', () => {
          f.watcher?.close();
          f.watcher = undefined;
        });
      } catch {
        this.options.emit({
          type: 'warning',
          id: run.id,
          message: `cannot watch ${run.dir}; its metrics update every ${this.options.pollMs} ms`,
        });
      }
    } else if (!running && f.watcher) {
      f.watcher.close();
      f.watcher = undefined;
    }
  }

  /** A tick shortly after a burst of events (fs changes here, job state changes from the Slurm executor). */
  soon(): void {
    if (this.debounce || this.closed) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.options.tick();
    }, 50);
    this.debounce.unref();
  }
}

/** What tells a changed metrics file from an unchanged one without reading it: size, mtime and inode (a rewrite). */
function metricsStamp(dir: string): string {
  try {
    const s = fs.statSync(path.join(dir, RunFiles.metrics));
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return '';
  }
}
