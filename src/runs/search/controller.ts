/**
 * The search controller: drives one search from its folder. Each pass rebuilds where every trial stands from the
 * runs themselves (trialRuns.ts), resumes trials whose worker died, and launches what the schedule says (a new trial,
 * an ASHA promotion) while fewer than maxConcurrent trials are active. All of its memory is on disk, so killing the
 * controller loses nothing: trials keep training (they are detached runs), and a new controller continues where the
 * old one stopped. One controller per search (controller.lock, with a heartbeat): a controller confirms it still holds
 * the lock before every launch and ends its loop when another has taken it over (its own heartbeat stopped: the window
 * it served went away). Trial runs have fixed ids (trialRunId), so even two controllers that both believe they hold
 * the lock cannot create the same trial twice: the second creation fails.
 *
 * Trials are runs created through the run manager; the queue owner starts them, so a search launched from the CLI
 * while the editor owns the queue trains under the editor's maxConcurrentRuns too.
 */
import type { RunState } from '../../protocol/run';
import type { RunManager } from '../manager';
import type { RunInfo } from '../store';
import { OWNER_HEARTBEAT, type HeartbeatTiming, type LockInfo } from '../../runfolder/lock';
import { StoreError } from '../fsErrors';
import { budgetSteps, withSteps } from './plan';
import { activeCount, nextAction, type RungOutcome, type TrialProgress } from './schedule';
import {
  controllerLock,
  readSearchFile,
  readSearchState,
  trialRunId,
  writeSearchState,
  type SearchFile,
  type SearchState,
} from './searchFolder';
import { objectiveOf, trialRuns, type TrialRunMap } from './trialRuns';
import { searchStopRequestOf } from './searchStop';

/** A run interrupted more often than this is left interrupted (and counts as failed) instead of resumed again. */
const MAX_AUTO_RESUMES = 3;

export type SearchEvent =
  | { type: 'launched'; trial: number; rung: number; runId: string; promoted: boolean }
  | { type: 'ended'; trial: number; rung: number; runId: string; state: RunState | 'unknown'; objective: number | null }
  /** A trial run resumed: its worker had died, or the whole search had been stopped. */
  | { type: 'resumed'; trial: number; rung: number; runId: string }
  | { type: 'finished' };

export interface ControllerOptions {
  /** Trials active at once; default: the plan's maxConcurrent, else 1. */
  maxConcurrent?: number;
  owner?: string;
  onEvent?: (event: SearchEvent) => void;
  /** Whether whoever drives the search is there (ManagerOptions.present); default always. */
  present?: () => boolean;
  /** The controller lock's heartbeat (default OWNER_HEARTBEAT). */
  heartbeat?: HeartbeatTiming;
}

/**
 * Why run() ended: the search finished; it was stopped (shouldStop, or a stop request in its folder); or another
 * controller took the search over.
 */
export type SearchEnd = 'finished' | 'stopped' | 'taken over';

/** The owner a controller records in its search's lock file, for `owner` as given to SearchController. */
export function controllerLockOwner(owner: string): string {
  return `search controller (${owner})`;
}

/** The `owner` a controller lock names (controllerLockOwner's inverse), for messages: "VS Code window (pid 4711)". */
export function controllerOwnerOf(holder: LockInfo | null): string {
  if (!holder) return 'another process';
  return /^search controller \((.*)\)$/.exec(holder.owner)?.[1] ?? holder.owner;
}

export class SearchController {
  readonly file: SearchFile;
  private state: SearchState;
  private readonly lock;
  private readonly maxConcurrent: number;
  /** Last reported state per run, so each ending is reported once. */
  private readonly reported = new Map<string, string>();
  /** state.json has changes not yet written (auto-resume counts). */
  private stateDirty = false;
  /** Who took the search over, once another controller has (null: the lock was gone without a new holder). */
  private lostTo: LockInfo | null | undefined;

  constructor(
    private readonly manager: RunManager,
    readonly id: string,
    private readonly options: ControllerOptions = {},
  ) {
    const root = manager.store.root;
    this.file = readSearchFile(root, id);
    this.state = readSearchState(root, id);
    this.lock = controllerLock(root, id, controllerLockOwner(options.owner ?? `pid ${process.pid}`), {
      ...(options.heartbeat ?? OWNER_HEARTBEAT),
      present: options.present ?? (() => true),
      onLost: (by) => (this.lostTo = by),
    });
    this.maxConcurrent = Math.max(1, options.maxConcurrent ?? this.file.plan.maxConcurrent ?? 1);
  }

  /** Take the controller lock; LockedError (naming the other controller) when another process drives the search. */
  acquire(): void {
    this.lock.acquire();
    this.lostTo = undefined;
  }

  /** Take the controller lock if it is free or stale (its holder died or is a ghost); false when a live one drives it. */
  tryAcquire(): boolean {
    if (!this.lock.tryAcquire()) return false;
    this.lostTo = undefined;
    return true;
  }

  /** The controller that took this search over, when run() ended 'taken over' (null when unknown). */
  get takenOverBy(): LockInfo | null {
    return this.lostTo ?? null;
  }

  release(): void {
    this.lock.release();
  }

  /** One pass. Returns true when the search has nothing left to do. Call holding the lock. */
  step(): boolean {
    const root = this.manager.store.root;
    const plan = this.file.plan;
    if (this.state.stoppedAt !== null) {
      this.state.stoppedAt = null; // driven again
      this.stateDirty = true;
    }
    this.resumePaused();
    const rungs = plan.asha?.budgets.length ?? 1;
    let runs = trialRuns(this.manager.store, this.id, this.state);
    let progress = this.progress(runs);

    let changed = false;
    while (activeCount(progress) < this.maxConcurrent) {
      const action = nextAction(progress, plan.trials.length, rungs, plan.asha?.eta ?? 2);
      if (!action || !this.lock.confirm()) break;
      const rung = action.type === 'start' ? 0 : action.rung;
      const run = this.launch(action.trial, rung, runs);
      this.record(action.trial, rung, run.id);
      changed = true;
      this.options.onEvent?.({ type: 'launched', trial: action.trial, rung, runId: run.id, promoted: action.type === 'promote' });
      runs = trialRuns(this.manager.store, this.id, this.state);
      progress = this.progress(runs);
    }
    const done = activeCount(progress) === 0 && nextAction(progress, plan.trials.length, rungs, plan.asha?.eta ?? 2) === null;
    if (done && this.state.finishedAt === null) {
      this.state.finishedAt = new Date().toISOString();
      changed = true;
      this.options.onEvent?.({ type: 'finished' });
    } else if (!done && this.state.finishedAt !== null) {
      this.state.finishedAt = null; // a trial was resumed or retried after the search had ended
      changed = true;
    }
    if (changed || this.stateDirty) {
      writeSearchState(root, this.id, this.state);
      this.stateDirty = false;
    }
    return done;
  }

  /**
   * Drive the search until it finishes, `shouldStop()` says so, or another controller takes it over; one pass per run
   * event (or every pollMs).
   */
  async run(shouldStop: () => boolean = () => false, pollMs = 500): Promise<SearchEnd> {
    let wake: (() => void) | undefined;
    const sub = this.manager.onEvent((e) => {
      if (e.type === 'state') wake?.();
    });
    try {
      // A stop requested through the search folder (searchStop.ts) ends the loop as shouldStop does.
      while (!shouldStop() && searchStopRequestOf(this.manager.store.root, this.id) === null) {
        if (!this.lock.confirm()) return 'taken over';
        if (this.step()) return 'finished';
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, pollMs);
        });
        wake = undefined;
      }
      return 'stopped';
    } finally {
      sub.dispose();
    }
  }

  /**
   * Stop the whole search: every active trial run is stopped (checkpoint, cancelled) and remembered as paused, so
   * the next controller resumes it, and the search is marked stopped on purpose (nobody takes it over). Call holding
   * the lock, with no run() loop going.
   */
  async pause(timeoutMs?: number): Promise<RunInfo[]> {
    // Marked first: a pause of slow trials outlasts the lock's heartbeat if nothing renews it, and a stopped search
    // is never taken over.
    this.state.stoppedAt = new Date().toISOString();
    writeSearchState(this.manager.store.root, this.id, this.state);
    const stopped = await Promise.all(this.activeRuns().map((r) => this.manager.stop(r.id, timeoutMs)));
    this.state.paused.push(...stopped.filter((r) => r.state === 'cancelled').map((r) => r.id));
    writeSearchState(this.manager.store.root, this.id, this.state);
    return stopped;
  }

  /** Resume the trial runs a stop of the whole search paused. */
  private resumePaused(): void {
    if (this.state.paused.length === 0) return;
    const byId = new Map(this.manager.list().map((r) => [r.id, r]));
    for (const id of this.state.paused) {
      const run = byId.get(id);
      if (run?.state !== 'cancelled') continue; // resumed, retried or deleted by hand meanwhile
      try {
        this.manager.resume(id);
        if (run.search) this.options.onEvent?.({ type: 'resumed', trial: run.search.trial, rung: run.search.rung, runId: id });
      } catch {
        // being changed by another process right now; it stays as that process leaves it
      }
    }
    this.state.paused = [];
    this.stateDirty = true;
  }

  /** Trials' runs currently queued or training. */
  activeRuns(): RunInfo[] {
    const out: RunInfo[] = [];
    for (const rungs of trialRuns(this.manager.store, this.id, this.state).values()) {
      for (const run of rungs.values()) if (run.state === 'queued' || run.state === 'running') out.push(run);
    }
    return out;
  }

  private progress(runs: TrialRunMap): TrialProgress[] {
    const out: TrialProgress[] = [];
    for (const [trial, rungs] of runs) {
      const outcomes = new Map<number, RungOutcome>();
      for (const [rung, run] of rungs) outcomes.set(rung, this.outcome(trial, rung, run));
      out.push({ trial, rungs: outcomes });
    }
    return out;
  }

  private outcome(trial: number, rung: number, run: RunInfo): RungOutcome {
    let outcome: RungOutcome;
    switch (run.state) {
      case 'queued':
      case 'running':
        return { state: 'active' };
      case 'interrupted': {
        const resumes = this.state.autoResumes[run.id] ?? 0;
        if (resumes < MAX_AUTO_RESUMES) {
          try {
            this.manager.resume(run.id);
            this.state.autoResumes[run.id] = resumes + 1;
            this.stateDirty = true;
            this.options.onEvent?.({ type: 'resumed', trial, rung, runId: run.id });
            return { state: 'active' };
          } catch {
            // another process is resuming or stopping it right now: look again next pass
            return { state: 'active' };
          }
        }
        outcome = { state: 'failed' };
        break;
      }
      case 'completed': {
        const objective = objectiveOf(run, this.file.plan.objective);
        // A completed run without the objective metric cannot be ranked: it counts like a failed one.
        outcome = objective && Number.isFinite(objective.value) ? { state: 'completed', objective: objective.value } : { state: 'failed' };
        break;
      }
      case 'cancelled':
        outcome = { state: 'stopped' };
        break;
      default:
        outcome = { state: 'failed' };
    }
    if (this.reported.get(run.id) !== run.state) {
      this.reported.set(run.id, run.state);
      this.options.onEvent?.({
        type: 'ended',
        trial,
        rung,
        runId: run.id,
        state: run.state,
        objective: outcome.state === 'completed' ? outcome.objective : null,
      });
    }
    return outcome;
  }

  /**
   * Create the run of `trial` at `rung`: a fresh run at rung 0, else a continuation of its previous rung's run. When a
   * run with its id exists already, another controller launched it a moment ago (this one has been replaced, and its
   * next confirm() says so): that run is the trial's, and nothing is created.
   */
  private launch(trial: number, rung: number, runs: TrialRunMap): RunInfo {
    const plan = this.file.plan;
    const planned = plan.trials[trial]!;
    const spec = plan.asha ? withSteps(planned.spec, budgetSteps(planned.spec, plan.asha.budgets[rung]!, plan.asha.unit)) : planned.spec;
    const previous = rung > 0 ? runs.get(trial)?.get(rung - 1) : undefined;
    const id = trialRunId(this.id, trial, rung);
    try {
      return this.manager.enqueue({
        id,
        spec,
        sourcePath: this.file.source.path,
        sourceText: this.file.source.text,
        overrides: {},
        search: { id: this.id, trial, rung },
        ...(previous ? { continueFrom: { runDir: previous.dir, step: previous.status!.step } } : {}),
      });
    } catch (e) {
      if (e instanceof StoreError && e.code === 'EEXIST') return this.manager.get(id);
      throw e;
    }
  }

  private record(trial: number, rung: number, runId: string): void {
    let t = this.state.trials.find((x) => x.trial === trial);
    if (!t) {
      t = { trial, runs: [] };
      this.state.trials.push(t);
    }
    t.runs.push({ rung, runId });
  }
}
