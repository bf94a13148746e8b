/**
 * The run manager: starts runs as detached worker processes, queues them, stops, resumes, retries and deletes them,
 * follows their status and metrics, and reattaches to them after a restart (an editor reload, a killed CLI).
 *
 * Several managers may share a runs directory (the extension in each window, `mlbtc` commands, a search
 * controller). The protocol that keeps them from corrupting each other's runs:
 *
 * 1. The queue has one owner per runs directory: the manager holding <runs>/.manager.lock (lock.ts: O_EXCL file
 *    with the owner's pid and a heartbeat; a lock whose process died, or whose heartbeat stopped because nobody is
 *    behind it any more, is stale and taken over). Only the owner starts queued runs, so maxConcurrentRuns is applied
 *    in one place, and it confirms it still holds the lock before each pass. Other managers create queued runs and
 *    leave starting them to the owner; a manager in `queue: 'auto'` mode retries the lock on every tick while it is
 *    present, so when the owner dies or becomes a ghost another takes over. A short-lived client (`mlbtc resume`)
 *    may `kick()`: take the lock if free, start what fits, release.
 * 2. A manager changes a run's state only holding the run's lock (<run>/run.lock), after re-reading status.json
 *    under it: start (queued → running), stop of a queued run (→ cancelled), resume (→ queued), marking a dead run
 *    interrupted or failed, delete. So two managers never both start a run, and a decision is never made on a stale
 *    read.
 * 3. While its worker lives, status.json has one writer: the worker. A manager writes it only when no worker is alive
 *    on the run, always atomically. Between spawning a worker and the worker's first status write the run still
 *    reads "queued"; the spawning manager writes <run>/launch.json with the worker's pid before releasing the run
 *    lock (launchMarker.ts), so no manager starts the run twice and the queue counts it as running. (A manager that
 *    dies in the microseconds between spawn and that write could let a second manager start the run again; the
 *    window is not closed.)
 *
 * Workers are detached (own process group, stdio to the run's worker.log), so they outlive the manager. Stop is
 * SIGTERM first (the worker checkpoints and writes "cancelled"), then SIGKILL of the whole process group after a
 * timeout. A run whose worker died without a final status becomes "interrupted" (killed, crashed, machine
 * restarted), which resume continues from its last checkpoint.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lastLogLine, listCheckpoints, readStatus } from '../runfolder/runFolder';
import { RunFiles, type RunState, type RunStatus } from '../protocol/run';
import { Emitter, type Disposable, type RunEvent } from './events';
import { StoreError } from './fsErrors';
import { StoreFiles } from './layout';
import { launchDetachedWorker, type Launcher } from './launch';
import { clearLaunchMarker, launchState, writeLaunchMarker } from './launchMarker';
import { FileLock, OWNER_HEARTBEAT, type HeartbeatTiming } from '../runfolder/lock';
import { RunFollower } from './follower';
import { runtimeOfSpec } from './runtime';
import { isProcessAlive, isProcessAliveSince, signalGroup } from '../runfolder/process';
import { writeStatus } from '../runfolder/statusFile';
import { liveWorkerOf } from '../runfolder/workerClaim';
import { clearStopRequest, requestStop } from '../runfolder/stopRequest';
import { isLive, mayHaveWorker, RunStore, type NewStoreRun, type RunInfo } from './store';
import type { ExecutorKind, SlurmExecutor } from './slurm/executor';
import { jobKey, readJobFile } from './slurm/jobFile';
import { runWantsSlurm, SlurmRuns } from './slurm/slurmRuns';

export interface ManagerOptions {
  runsDir: string;
  /** dist/worker.js, run with process.execPath. Needed to start runs unless `launcher` is given. */
  workerPath?: string;
  /** Variables added to each worker's environment, read at each launch (e.g. where optional backends are installed). */
  workerEnv?: () => NodeJS.ProcessEnv;
  /** How a worker process is started (tests substitute their own). */
  launcher?: Launcher;
  /** How a run whose spec names training.runtime "torch" is started (launch.ts launchTorchWorker). */
  torchLauncher?: Launcher;
  /** Runs training at once, search trials included (the `mlbtc.maxConcurrentRuns` setting). Default 1. */
  maxConcurrentRuns?: number;
  /** "auto": own the queue whenever nobody else does. "never": a client that only creates, stops and reads runs. */
  queue?: 'auto' | 'never';
  /** Fallback poll period for status and metrics changes (fs.watch triggers earlier ticks). Default 1000 ms. */
  pollMs?: number;
  /** How long stop waits after SIGTERM before killing the process group. Default 15 s. */
  stopTimeoutMs?: number;
  /** Names this manager in lock files and messages, e.g. "VS Code window", "mlbtc search". */
  owner?: string;
  /**
   * Whether whoever this manager acts for is there (default: always, as for a CLI process). An editor window's
   * extension host can outlive its window; while its window does not answer, the manager neither takes the queue nor
   * renews its hold on it, so a window that is there takes over (lock.ts heartbeat).
   */
  present?: () => boolean;
  /** The queue lock's heartbeat (default OWNER_HEARTBEAT). */
  heartbeat?: HeartbeatTiming;
  /** Use fs.watch for earlier ticks (the poll always runs). Default true. */
  watch?: boolean;
  /** Where queued runs train unless their spec says (`execution.executor`): "local" (default) or "slurm"; read at each start. */
  executor?: ExecutorKind | (() => ExecutorKind);
  /** Submits, follows and cancels Slurm jobs; needed for runs that go to Slurm (see slurm/slurmRuns.ts). */
  slurm?: SlurmExecutor;
}

/** States from which `resume` continues a run from its last checkpoint. */
export const RESUMABLE_STATES: readonly RunState[] = ['interrupted', 'cancelled', 'failed'];

export class RunManager {
  readonly store: RunStore;
  private readonly events = new Emitter<RunEvent>();
  private readonly queueLock: FileLock;
  private readonly follower: RunFollower;
  private readonly children = new Map<string, ChildProcess>();
  /** Runs this manager asked to stop: if their worker dies without a final status, they end "cancelled". */
  private readonly stopping = new Set<string>();
  private readonly launcher: Launcher | undefined;
  private readonly maxConcurrent: number;
  private readonly stopTimeoutMs: number;
  private readonly owner: string;
  private readonly present: () => boolean;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private ticking = false;
  private readonly slurm: SlurmRuns | undefined;

  constructor(private readonly options: ManagerOptions) {
    this.store = new RunStore(options.runsDir);
    this.owner = options.owner ?? `pid ${process.pid}`;
    this.present = options.present ?? (() => true);
    this.queueLock = new FileLock(path.join(this.store.root, StoreFiles.managerLock), `run manager (${this.owner})`, {
      isAlive: isProcessAliveSince,
      heartbeat: {
        ...(options.heartbeat ?? OWNER_HEARTBEAT),
        present: this.present,
        onLost: () => this.events.emit({ type: 'queue', owner: false }),
      },
    });
    this.maxConcurrent = Math.max(1, Math.floor(options.maxConcurrentRuns ?? 1));
    this.stopTimeoutMs = options.stopTimeoutMs ?? 15_000;
    this.launcher =
      options.launcher ?? (options.workerPath ? launchDetachedWorker(options.workerPath, process.execPath, options.workerEnv) : undefined);
    this.follower = new RunFollower({
      root: this.store.root,
      emit: (event) => this.events.emit(event),
      tick: () => this.tick(),
      watch: options.watch !== false,
      pollMs: options.pollMs ?? 1000,
    });
    this.slurm =
      options.slurm &&
      new SlurmRuns(
        this.store,
        options.slurm,
        (e) => this.events.emit(e),
        () => this.follower.soon(),
        this.owner,
      );
  }

  /**
   * Start following the runs directory: take the queue if free (in "auto" mode), reattach to live workers, mark runs
   * whose worker died as interrupted, start queued runs that fit, and keep doing so every pollMs and on fs events.
   */
  open(): this {
    this.store.sweepTemp(60_000);
    this.tick(true);
    this.timer = setInterval(() => this.tick(), this.options.pollMs ?? 1000);
    this.timer.unref();
    this.follower.watchRoot();
    return this;
  }

  /** Stop following. Workers keep running (they are detached); the queue lock is released for another manager. */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.follower.close();
    this.slurm?.close();
    for (const child of this.children.values()) {
      child.removeAllListeners('exit');
      child.unref();
    }
    if (this.queueLock.isHeld) {
      this.queueLock.release();
      this.events.emit({ type: 'queue', owner: false });
    }
  }

  get ownsQueue(): boolean {
    return this.queueLock.isHeld;
  }

  onEvent(listener: (event: RunEvent) => void): Disposable {
    return this.events.on(listener);
  }

  list(): RunInfo[] {
    return this.store.list();
  }

  get(idOrPrefix: string): RunInfo {
    return this.store.get(idOrPrefix);
  }

  /** Create a queued run; it starts when the queue owner has a free slot (at once if that is this manager). */
  enqueue(run: NewStoreRun): RunInfo {
    const info = this.store.create(run);
    this.tick();
    return this.store.get(info.id);
  }

  /** A new queued run from the same spec, overrides and origin as `id` (which is left as it is). */
  retry(id: string): RunInfo {
    const old = this.store.get(id);
    const spec = this.store.readSpec(old.id);
    return this.enqueue({
      spec: spec.spec,
      sourcePath: spec.source.path,
      sourceText: spec.source.text,
      overrides: spec.overrides,
      ...(old.search ? { search: old.search } : {}),
    });
  }

  /**
   * Queue an interrupted, cancelled or failed run again; its worker continues from the last checkpoint (or starts
   * over when the run has none). A running, queued or completed run is left as it is (an error says why).
   */
  resume(id: string): RunInfo {
    const run = this.store.get(id);
    this.store.runLock(run.id, `resume (${this.owner})`).with(() => {
      const read = readStatus(run.dir);
      if (!read.status) throw new StoreError(`Cannot resume ${run.id}: ${read.problem}.`, undefined);
      const status = read.status;
      if (status.state === 'queued') return;
      const job = this.slurm?.jobOf(run);
      // A Slurm job's run is resumed by releasing its job, which only a manager with the Slurm executor can do: here
      // the old job would stay in slurm.json and settle the queued run from its end.
      const foreign = !this.slurm && readJobFile(run.dir);
      if (foreign)
        throw new StoreError(`Run ${run.id} is Slurm job ${jobKey(foreign)}: resume it where the Slurm executor is set up.`, 'EBUSY');
      const worker = job ? null : liveWorkerOf(run.dir);
      if (job)
        this.slurm!.release(run, job, 'resume'); // its liveness is the job's, not a pid's
      else if (worker) throw new StoreError(`Run ${run.id} is already running (pid ${worker.pid}).`, 'EBUSY');
      else if (isLive(status)) throw new StoreError(`Run ${run.id} is already running (pid ${status.pid}).`, 'EBUSY');
      else if (mayHaveWorker(status)) {
        throw new StoreError(
          `Run ${run.id}: its worker (pid ${status.pid}) is alive but has been silent since ${status.heartbeat}; stop it first (\`mlbtc stop ${run.id}\` kills it), then resume.`,
          'EBUSY',
        );
      }
      if (status.state === 'completed')
        throw new StoreError(
          `Run ${run.id} completed all ${status.totalSteps} steps; nothing to resume. Retry it for a new run of the same spec.`,
          undefined,
        );
      // Left: the RESUMABLE_STATES, and "running" with a dead worker not yet marked interrupted (resumable alike).
      clearLaunchMarker(run.dir);
      clearStopRequest(run.dir);
      writeStatus(run.dir, { ...status, state: 'queued', pid: null, heartbeat: null, endedAt: null, exitReason: null });
    });
    this.tick();
    return this.store.get(run.id);
  }

  /**
   * Stop a run: a queued one is cancelled at once; a running one gets SIGTERM (its worker saves a checkpoint and ends
   * "cancelled"), and its whole process group SIGKILL if it has not ended after the stop timeout (the run is then
   * marked cancelled, resumable from its last checkpoint). Resolves with the run once it has stopped.
   */
  async stop(id: string, timeoutMs: number = this.stopTimeoutMs): Promise<RunInfo> {
    const run = this.store.get(id);
    const job = this.slurm?.jobOf(run);
    if (job) {
      await this.slurm!.stop(run, job, timeoutMs);
      return this.refreshed(run.id);
    }
    let wasQueued = false;
    this.store.runLock(run.id, `stop (${this.owner})`).with(() => {
      const status = readStatus(run.dir).status;
      if (status?.state === 'queued' && launchState(run.dir).state !== 'starting') {
        writeStatus(run.dir, {
          ...status,
          state: 'cancelled',
          endedAt: new Date().toISOString(),
          exitReason: 'cancelled before it started',
        });
        wasQueued = true;
      }
    });
    if (wasQueued) return this.refreshed(run.id);

    this.stopping.add(run.id);
    try {
      const deadline = Date.now() + timeoutMs;
      // A worker that is starting has not written its pid yet: wait until it has (or has died).
      let status = readStatus(run.dir).status;
      while (status?.state === 'queued' && launchState(run.dir).state === 'starting' && Date.now() < deadline) {
        await sleep(50);
        status = readStatus(run.dir).status;
      }
      if (status?.state !== 'running') {
        this.settleDead(run.id, 'cancelled', 'stopped while its worker was starting');
        return this.refreshed(run.id);
      }
      const pid = status.pid;
      requestStop(run.dir, this.owner); // also reaches a worker this process cannot signal
      if (pid !== null && mayHaveWorker(status)) {
        signalGroup(pid, 'SIGTERM');
        while (isProcessAlive(pid) && Date.now() < deadline) await sleep(50);
        if (isProcessAlive(pid)) {
          signalGroup(pid, 'SIGKILL');
          const killDeadline = Date.now() + 5_000;
          while (isProcessAlive(pid) && Date.now() < killDeadline) await sleep(20);
          this.settleDead(
            run.id,
            'cancelled',
            `stopped: killed after ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`} without stopping on SIGTERM`,
          );
        }
      }
      this.settleDead(run.id, 'cancelled', 'stopped: the worker ended without writing a final status');
      return this.refreshed(run.id);
    } finally {
      this.stopping.delete(run.id);
    }
  }

  /** Delete a run's folder; refused while it is running. */
  delete(id: string): void {
    const run = this.store.get(id);
    const job = this.slurm?.jobOf(run);
    if (job) this.slurm!.release(run, job, 'delete');
    this.store.remove(run.id);
    this.tick();
  }

  /**
   * For short-lived clients (`mlbtc resume`): when nobody owns the queue, take it just long enough to start the
   * queued runs that fit, then release it. The runs keep going on their own.
   */
  kick(): void {
    if (this.queueLock.isHeld) return this.tick();
    if (!this.queueLock.tryAcquire()) return;
    try {
      this.schedule(this.store.list());
    } finally {
      this.queueLock.release();
    }
  }

  /**
   * Submit these queued runs to Slurm now, as one job array when there are several (`mlbtc train --executor slurm`,
   * which must not wait for a queue owner); each ends failed with Slurm's own words when it cannot be submitted.
   */
  async submitToSlurmNow(ids: readonly string[]): Promise<void> {
    if (!this.slurm) throw new StoreError('This run manager has no Slurm executor.', undefined);
    await this.slurm.submitNow(ids.map((id) => this.store.get(id)));
  }

  /** Resolve when `predicate` holds for the run (checked on every change), or reject after `timeoutMs`. */
  waitFor(id: string, predicate: (run: RunInfo) => boolean, timeoutMs: number): Promise<RunInfo> {
    return new Promise((resolve, reject) => {
      const check = () => {
        let run: RunInfo;
        try {
          run = this.store.get(id);
        } catch (e) {
          return finish(() => reject(e));
        }
        if (predicate(run)) finish(() => resolve(run));
      };
      const finish = (f: () => void) => {
        sub.dispose();
        clearInterval(poll);
        clearTimeout(timer);
        f();
      };
      const sub = this.onEvent((e) => {
        if ((e.type === 'state' && e.run.id === id) || (e.type === 'metrics' && e.id === id)) check();
      });
      const poll = setInterval(check, 200);
      const timer = setTimeout(
        () => finish(() => reject(new Error(`Run ${id} did not reach the expected state within ${timeoutMs} ms.`))),
        timeoutMs,
      );
      check();
    });
  }

  /**
   * One pass over the runs directory: notice added and removed runs and state changes, mark dead runs interrupted,
   * read new metrics of the runs being followed, and (as queue owner) start queued runs that fit. Runs by itself
   * every pollMs; call it to force a refresh.
   */
  tick(initial = false): void {
    if (this.closed || this.ticking) return;
    this.ticking = true;
    try {
      if (this.options.queue !== 'never' && !this.queueLock.isHeld && this.present()) {
        try {
          fs.mkdirSync(this.store.root, { recursive: true });
          if (this.queueLock.tryAcquire()) this.events.emit({ type: 'queue', owner: true });
        } catch {
          // an unwritable runs directory: we follow runs but cannot own the queue
        }
      }
      let runs = this.listOrWarn();
      if (!runs) return;
      let changed = false;
      for (const run of runs) {
        // Our own children are settled by their exit handler, which knows the exit code or signal.
        if (this.children.has(run.id) || this.stopping.has(run.id)) continue;
        if (readJobFile(run.dir)) continue; // a Slurm job's run: settled from the job's state below, never from a pid
        if (run.status?.state === 'running' && !mayHaveWorker(run.status)) {
          changed =
            this.settleDead(
              run.id,
              'interrupted',
              `the worker (pid ${run.status.pid}) ended without a final status: killed, crashed or the machine restarted`,
            ) || changed;
        } else if (run.state === 'queued' && launchState(run.dir).state === 'died') {
          changed = this.settleDead(run.id, 'failed', `the worker exited before starting the run${lastLogLine(run.dir)}`) || changed;
        }
      }
      if (this.slurm?.tick(runs)) changed = true;
      if (changed) runs = this.listOrWarn() ?? runs;
      this.follower.update(runs, initial);
      if (this.queueLock.confirm()) this.schedule(runs);
    } finally {
      this.ticking = false;
    }
  }

  /** Ticks run from timers and watchers: a runs directory that vanished or became unreadable is reported, not thrown. */
  private listOrWarn(): RunInfo[] | null {
    try {
      return this.store.list();
    } catch (e) {
      this.events.emit({ type: 'warning', message: (e as Error).message });
      return null;
    }
  }

  /** Start queued runs, oldest first, while fewer than maxConcurrentRuns are live or starting. */
  private schedule(runs: RunInfo[]): void {
    runs = this.submitToSlurm(runs);
    if (!this.launcher) return; // a manager without a worker can queue runs but not start them
    const waiting: RunInfo[] = [];
    let live = 0;
    for (const r of runs) {
      if (r.status && isLive(r.status)) live++;
      else if (r.state === 'queued') {
        // A launch that died is settled (failed or interrupted) by the exit handler or the next tick, never simply
        // launched again: a worker that crashes at start-up would otherwise be restarted forever.
        const launch = launchState(r.dir).state;
        if (launch === 'starting') live++;
        else if (launch === 'none') waiting.push(r);
      }
    }
    for (const run of waiting) {
      if (live >= this.maxConcurrent) break;
      if (this.start(run)) live++;
    }
  }

  /**
   * Hand the queued runs that go to Slurm to it (all at once: Slurm queues them, maxConcurrentRuns is about this
   * machine); returns the runs left to this machine's queue. Runs that have a job are Slurm's, whatever their state.
   */
  private submitToSlurm(runs: RunInfo[]): RunInfo[] {
    const local: RunInfo[] = [];
    const submit: RunInfo[] = [];
    for (const r of runs) {
      if (readJobFile(r.dir)) continue;
      if (r.state === 'queued' && launchState(r.dir).state === 'none' && runWantsSlurm(r, this.defaultExecutor())) submit.push(r);
      else local.push(r);
    }
    // A manager without a Slurm executor leaves them queued for one that has one (never starts them here).
    this.slurm?.submit(submit);
    return local;
  }

  private defaultExecutor(): ExecutorKind {
    const e = this.options.executor;
    return typeof e === 'function' ? e() : (e ?? 'local');
  }

  private start(run: RunInfo): boolean {
    const lock = this.store.runLock(run.id, `start (${this.owner})`);
    if (!lock.tryAcquire()) return false;
    try {
      const status = readStatus(run.dir).status;
      if (status?.state !== 'queued' || launchState(run.dir).state !== 'none' || liveWorkerOf(run.dir)) return false;
      // A run that ran before (resumed, or re-queued after a crash) continues from its last checkpoint; the worker
      // starts over (and drops stale metrics) when there is none.
      const resume = status.startedAt !== null || listCheckpoints(run.dir).length > 0;
      let child: ChildProcess;
      try {
        child = this.launcherOf(run.id)({ runDir: run.dir, resume, logFile: path.join(run.dir, RunFiles.log) });
      } catch (e) {
        writeStatus(run.dir, failedStatus(status, `could not start the worker: ${(e as Error).message}`));
        return false;
      }
      if (child.pid !== undefined) writeLaunchMarker(run.dir, child.pid);
      this.children.set(run.id, child);
      child.once('error', (e) => this.onChildEnd(run.id, child, `could not start the worker: ${e.message}`, 'failed'));
      child.once('exit', (code, signal) =>
        this.onChildEnd(
          run.id,
          child,
          signal
            ? `the worker was killed by ${signal} before writing a final status`
            : `the worker exited with code ${code} without writing a final status${lastLogLine(run.dir)}`,
          signal ? 'interrupted' : 'failed',
        ),
      );
      return true;
    } finally {
      lock.release();
    }
  }

  /** The run's runtime, recorded in its spec.json when it was created, picks the worker. */
  private launcherOf(id: string): Launcher {
    if (runtimeOfSpec(this.store.readSpec(id).spec) !== 'torch') return this.launcher!;
    if (!this.options.torchLauncher)
      throw new Error(`the run's training.runtime is "torch", and its run manager (${this.owner}) cannot start PyTorch workers`);
    return this.options.torchLauncher;
  }

  private onChildEnd(id: string, child: ChildProcess, reason: string, state: 'interrupted' | 'failed'): void {
    // Only the run's current worker: the exit of an earlier one (killed, then the run resumed) can arrive late.
    if (this.children.get(id) !== child) return;
    this.children.delete(id);
    if (this.closed) return;
    // A run being stopped is settled by stop(), which knows whether it had to kill the worker.
    if (!this.stopping.has(id)) this.settleDead(id, state, reason, child.pid);
    this.tick();
  }

  /**
   * Give a run whose worker is gone the final state it did not write. Under the run lock, and only if the status
   * still says so: running with a dead pid, or queued with a launch whose worker died (it may have been settled, or
   * restarted, by someone else in the meantime).
   */
  private settleDead(id: string, state: RunState, reason: string, deadPid?: number): boolean {
    const dir = this.store.runDir(id);
    const lock = this.store.runLock(id, `settle (${this.owner})`);
    try {
      if (!lock.tryAcquire()) return false;
    } catch {
      return false; // unwritable: leave it to a manager that can write
    }
    try {
      const status = readStatus(dir).status;
      if (!status) return false;
      // `deadPid`: a process this manager saw exit (its 'exit' event), dead whatever a liveness probe says.
      const deadWorker = status.state === 'running' && (status.pid === deadPid || !mayHaveWorker(status));
      const launch = launchState(dir);
      const deadLaunch =
        status.state === 'queued' && launch.marker !== null && (launch.state === 'died' || launch.marker.workerPid === deadPid);
      if (!deadWorker && !deadLaunch) return false;
      writeStatus(dir, {
        ...status,
        state,
        pid: null,
        endedAt: new Date().toISOString(),
        exitReason: `${reason} (last step ${status.step})`,
      });
      return true;
    } catch {
      return false;
    } finally {
      lock.release();
    }
  }

  private refreshed(id: string): RunInfo {
    this.tick();
    return this.store.get(id);
  }
}

function failedStatus(status: RunStatus, reason: string): RunStatus {
  return { ...status, state: 'failed', pid: null, endedAt: new Date().toISOString(), exitReason: reason };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
