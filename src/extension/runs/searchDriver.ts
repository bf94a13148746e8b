/**
 * Drives structure searches from the window, as `mlbtc search` does from a terminal: one SearchController per
 * search (it holds the search's controller.lock, renewed while the window answers), looping until the search
 * finishes, is stopped, or is taken over. Its trials are ordinary detached runs that the queue owner starts.
 *
 * Nothing about which searches to drive is kept in the window: the search folder says it (searchControl.ts). A
 * search that lost its controller (the window that drove it closed, crashed or disconnected and left a ghost
 * extension host behind) is taken over by any present window that follows its runs directory, within seconds; a
 * search stopped on purpose stays stopped until resumed. Resume on a search another window drives asks that window to
 * let go through the search folder and drives it here.
 *
 * Each controller gets its own client manager (queue "never", not following the directory): it only creates and
 * resumes trial runs, so it keeps working when the window's managers are reopened after a settings change.
 */
import * as path from 'node:path';
import { describeSearchEvent } from '../../runs/search/report';
import type { Disposable } from '../../runs/events';
import { RunManager, type ManagerOptions } from '../../runs/manager';
import { controllerOwnerOf, SearchController } from '../../runs/search/controller';
import type { SearchPlan } from '../../runs/search/plan';
import { searchControl } from '../../runs/search/searchControl';
import { createSearchFolder, listSearchIds, readSearchFile, searchDir, SearchFiles } from '../../runs/search/searchFolder';
import { clearSearchStop, requestSearchStop } from '../../runs/search/searchStop';
import { LockedError, type LockInfo } from '../../runfolder/lock';
import type { RunInfo } from '../../runs/store';
import type { LogSink } from './runLog';
import type { RunsModel } from './runsModel';
import { executorOf } from '../../runs/slurm/executor';

export interface SearchRef {
  /** The runs directory holding the search (absolute). */
  root: string;
  id: string;
}

interface Driving extends SearchRef {
  controller: SearchController;
  manager: RunManager;
  stopRequested: boolean;
  /** Resolves when the loop has ended and the lock is released. */
  done: Promise<void>;
}

export class SearchDriver implements Disposable {
  private readonly driving = new Map<string, Driving>();
  /**
   * Searches this window failed to take over or to drive (an unreadable folder, a full disk): not adopted again, so
   * the failure is reported once instead of every heartbeat; Resume tries again.
   */
  private readonly failed = new Set<string>();
  private disposed = false;

  constructor(
    private readonly model: RunsModel,
    private readonly log: LogSink,
    private readonly owner: string,
    /** Trials at once for a search whose spec does not say (search.maxConcurrent): mlbtc.maxConcurrentRuns. */
    private readonly defaultConcurrency: () => number,
    /**
     * What the driver's own run manager needs to start, stop and resume trials where the window's managers would:
     * the executor setting and a Slurm executor whose job arrays keep `trialsAtOnce` running (none in an untrusted
     * folder). A trial that is a Slurm job is resumed by releasing its job, which only a manager with the executor
     * can do.
     */
    private readonly managerOptions: (trialsAtOnce: number) => Pick<ManagerOptions, 'executor' | 'slurm'> = () => ({}),
    /** Whether the window answers (windowPresence.ts): a ghost extension host neither renews its locks nor adopts. */
    private readonly present: () => boolean = () => true,
  ) {}

  /** Create the search folder for `plan` and start driving it. */
  start(root: string, plan: SearchPlan, source: { path: string; text: string }): SearchRef {
    const file = createSearchFolder(root, plan, source);
    const ref = { root: path.resolve(root), id: file.id };
    this.log.info(`[search ${file.id}] created in ${root}: ${plan.trials.length} trials (${plan.strategy}, minimising ${plan.objective})`);
    this.drive(ref);
    return ref;
  }

  /** Drive a search (a new one, one resumed, one taken over). Throws LockedError when a live controller drives it. */
  drive(ref: SearchRef): void {
    this.failed.delete(keyOf(ref));
    if (!this.tryDrive(ref)) throw new LockedError(path.join(searchDir(ref.root, ref.id), SearchFiles.lock), searchHolder(ref));
  }

  /**
   * Resume a search here: drive it if nobody does; if another window or `mlbtc search` drives it, ask it to let go
   * through the search folder and drive it here once it has (LockedError naming it when it does not within 30 s).
   */
  async resume(ref: SearchRef): Promise<void> {
    this.failed.delete(keyOf(ref));
    if (this.tryDrive(ref)) return;
    const { controller, manager } = this.controllerFor(ref);
    try {
      await takeOver(controller, ref, this.owner);
    } catch (e) {
      manager.close();
      throw e;
    }
    this.loop(ref, controller, manager);
  }

  /** Drive a search unless a live controller drives it (false then); a dead or ghost controller is replaced. */
  private tryDrive(ref: SearchRef): boolean {
    if (this.driving.has(keyOf(ref))) return true;
    const { controller, manager } = this.controllerFor(ref);
    if (!controller.tryAcquire()) {
      manager.close();
      return false;
    }
    this.loop(ref, controller, manager);
    return true;
  }

  private controllerFor(ref: SearchRef): { controller: SearchController; manager: RunManager } {
    const plan = readSearchFile(ref.root, ref.id).plan;
    const atOnce = plan.maxConcurrent ?? this.defaultConcurrency();
    const options = this.managerOptions(atOnce);
    const manager = new RunManager({ runsDir: ref.root, queue: 'never', owner: `${this.owner}, search ${ref.id}`, ...options });
    // On Slurm a one-rung search (grid, random) queues every trial at once, so the manager submits them as one job
    // array, whose throttle keeps `atOnce` training; ASHA promotes from results, so its trials go a few at a time (as
    // `mlbtc search --executor slurm` does).
    const first = plan.trials[0];
    const fallback = typeof options.executor === 'function' ? options.executor() : (options.executor ?? 'local');
    const asArray = !plan.asha && first !== undefined && executorOf(first.spec, fallback) === 'slurm';
    const controller = new SearchController(manager, ref.id, {
      maxConcurrent: asArray ? plan.trials.length : atOnce,
      owner: this.owner,
      present: this.present,
      onEvent: (e) => {
        this.log.info(`[search ${ref.id}] ${describeSearchEvent(e, plan)}`);
        if (e.type === 'launched') this.model.refresh(); // show the new trial at once
      },
    });
    return { controller, manager };
  }

  /** Run the controller's loop (holding its lock) until the search finishes, is stopped or is taken over. */
  private loop(ref: SearchRef, controller: SearchController, manager: RunManager): void {
    const key = keyOf(ref);
    clearSearchStop(ref.root, ref.id); // driving it again answers an old stop request
    const entry: Driving = { ...ref, controller, manager, stopRequested: false, done: Promise.resolve() };
    this.driving.set(key, entry);
    this.model.refresh();
    entry.done = controller
      .run(() => entry.stopRequested || this.disposed)
      .then(
        (end) => {
          if (end === 'finished') this.log.info(`[search ${ref.id}] finished`);
          else if (end === 'taken over')
            this.log.warn(`[search ${ref.id}] taken over by ${controllerOwnerOf(controller.takenOverBy)}; this window no longer drives it`);
        },
        (e: unknown) => {
          this.failed.add(key);
          this.log.error(
            `[search ${ref.id}] stopped driving: ${e instanceof Error ? e.message : String(e)}. Resume it from the Experiments view.`,
          );
        },
      )
      .finally(() => {
        controller.release();
        manager.close();
        this.driving.delete(key);
        this.model.refresh();
      });
  }

  /**
   * Drive every search in `roots` that has lost its controller and still has work to do (searchControl.ts), as long
   * as this window is present. The run service calls it every heartbeat period.
   */
  adoptOrphans(roots: readonly string[]): void {
    if (this.disposed || !this.present()) return;
    for (const root of roots) {
      for (const id of listSearchIds(root)) {
        const ref = { root: path.resolve(root), id };
        if (this.driving.has(keyOf(ref)) || this.failed.has(keyOf(ref))) continue;
        try {
          if (searchControl(ref.root, id).kind !== 'orphaned' || !this.tryDrive(ref)) continue;
          this.log.info(`[search ${id}] had lost its controller (its window closed or stopped answering); this window drives it now`);
        } catch (e) {
          this.failed.add(keyOf(ref));
          this.log.warn(`[search ${id}] not taken over: ${e instanceof Error ? e.message : String(e)}. Resume it to try again.`);
        }
      }
    }
  }

  isDriving(ref: SearchRef): boolean {
    return this.driving.has(keyOf(ref));
  }

  /**
   * Stop a search: its controller first (so it launches nothing more), then its queued and running trials, which
   * checkpoint and end cancelled; they are recorded as paused, so resuming the search resumes them (SearchController
   * .pause). A search driven by another window or `mlbtc search` is asked to stop through its folder (searchStop.ts)
   * and taken over once its controller lets go; one that does not within 30 s is refused with the holder's name
   * (LockedError): stopping only its trials would make that controller launch the next ones.
   */
  async stop(ref: SearchRef): Promise<RunInfo[]> {
    const entry = this.driving.get(keyOf(ref));
    if (entry) {
      entry.stopRequested = true;
      await entry.done; // the loop ends and releases the controller lock
    }
    const controller = new SearchController(new RunManager({ runsDir: ref.root, queue: 'never', owner: this.owner }), ref.id, {
      owner: this.owner,
    });
    await takeOver(controller, ref, this.owner);
    let stopped: RunInfo[];
    try {
      stopped = await controller.pause();
    } finally {
      clearSearchStop(ref.root, ref.id);
      controller.release();
    }
    this.log.info(
      `[search ${ref.id}] stopped (${stopped.length} active trial${stopped.length === 1 ? '' : 's'} paused; Resume Run on the search continues them)`,
    );
    return stopped;
  }

  /**
   * Stop driving (the window closes): the loops end and release their locks, trials keep training, and the next
   * window that follows the runs directory takes the searches over.
   */
  dispose(): void {
    this.disposed = true;
  }
}

/** Who holds a search's controller lock, for messages. */
function searchHolder(ref: SearchRef): LockInfo | null {
  const control = searchControl(ref.root, ref.id);
  return control.kind === 'driven' ? control.by : null;
}

/** How long Stop waits for another window's controller to see a stop request and let go of the search. */
const TAKE_OVER_MS = 30_000;

/**
 * Take a search's controller lock; when another window or `mlbtc search` holds it, ask it to stop through the search
 * folder and wait until it lets go. Throws the LockedError (naming the holder) when it does not within TAKE_OVER_MS.
 */
async function takeOver(controller: SearchController, ref: SearchRef, owner: string): Promise<void> {
  const deadline = Date.now() + TAKE_OVER_MS;
  for (;;) {
    try {
      controller.acquire();
      return;
    } catch (e) {
      if (!(e instanceof LockedError) || Date.now() > deadline) {
        clearSearchStop(ref.root, ref.id);
        throw e;
      }
      requestSearchStop(ref.root, ref.id, owner);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function keyOf(ref: SearchRef): string {
  return `${ref.root}\u0000${ref.id}`;
}
