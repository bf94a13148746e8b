/**
 * Drives structure searches from the window, as `mlbtc search` does from a terminal: one SearchController per
 * search (it holds the search's controller.lock), looping until the search finishes or is stopped. Its trials are
 * ordinary detached runs that the window's queue owner starts.
 *
 * A window reload must not orphan a search: the searches this window drives are remembered in the workspace state
 * and driven again when the window comes back (their trials kept training meanwhile). A search stopped on purpose
 * is forgotten, so it stays stopped until resumed.
 *
 * Each controller gets its own client manager (queue "never", not following the directory): it only creates and
 * resumes trial runs, so it keeps working when the window's managers are reopened after a settings change.
 */
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { describeSearchEvent } from '../../runs/search/report';
import type { Disposable } from '../../runs/events';
import { RunManager, type ManagerOptions } from '../../runs/manager';
import { SearchController } from '../../runs/search/controller';
import type { SearchPlan } from '../../runs/search/plan';
import { createSearchFolder, readSearchFile } from '../../runs/search/searchFolder';
import { clearSearchStop, requestSearchStop, searchStopRequestOf } from '../../runs/search/searchStop';
import { LockedError } from '../../runfolder/lock';
import type { RunInfo } from '../../runs/store';
import type { LogSink } from './runLog';
import type { RunsModel } from './runsModel';
import { executorOf } from '../../runs/slurm/executor';

const REMEMBERED_KEY = 'mlbtc.drivenSearches';

export interface SearchRef {
  /** The runs directory holding the search (absolute). */
  root: string;
  id: string;
}

interface Driving extends SearchRef {
  controller: SearchController;
  manager: RunManager;
  stopRequested: boolean;
  /** Resolves true when the search finished, false when it was stopped. */
  done: Promise<boolean>;
}

export class SearchDriver implements Disposable {
  private readonly driving = new Map<string, Driving>();
  private disposed = false;

  constructor(
    private readonly model: RunsModel,
    private readonly memento: vscode.Memento,
    private readonly log: LogSink,
    private readonly owner: string,
    /** Trials at once for a search whose spec does not say (search.maxConcurrent): mlbtc.maxConcurrentRuns. */
    private readonly defaultConcurrency: () => number,
    /**
     * What the driver's own run manager needs to start, stop and resume trials where the window's managers would:
     * the executor setting and the Slurm executor (none in an untrusted folder). A trial that is a Slurm job is
     * resumed by releasing its job, which only a manager with the executor can do.
     */
    private readonly managerOptions: () => Pick<ManagerOptions, 'executor' | 'slurm'> = () => ({}),
  ) {}

  /** Create the search folder for `plan` and start driving it. */
  start(root: string, plan: SearchPlan, source: { path: string; text: string }): SearchRef {
    const file = createSearchFolder(root, plan, source);
    const ref = { root: path.resolve(root), id: file.id };
    this.log.info(`[search ${file.id}] created in ${root}: ${plan.trials.length} trials (${plan.strategy}, minimising ${plan.objective})`);
    this.drive(ref);
    return ref;
  }

  /**
   * Drive a search (a new one, one resumed, one remembered from before a reload). Throws LockedError when another
   * process drives it.
   */
  drive(ref: SearchRef): void {
    const key = keyOf(ref);
    if (this.driving.has(key)) return;
    const plan = readSearchFile(ref.root, ref.id).plan;
    const options = this.managerOptions();
    const manager = new RunManager({ runsDir: ref.root, queue: 'never', owner: `${this.owner}, search ${ref.id}`, ...options });
    // On Slurm a one-rung search (grid, random) queues every trial at once, so the window's manager submits them as
    // one job array, whose throttle keeps mlbtc.maxConcurrentRuns training; ASHA promotes from results, so its
    // trials go a few at a time (as `mlbtc search --executor slurm` does).
    const first = plan.trials[0];
    const fallback = typeof options.executor === 'function' ? options.executor() : (options.executor ?? 'local');
    const asArray = !plan.asha && first !== undefined && executorOf(first.spec, fallback) === 'slurm';
    const controller = new SearchController(manager, ref.id, {
      maxConcurrent: asArray ? plan.trials.length : (plan.maxConcurrent ?? this.defaultConcurrency()),
      owner: this.owner,
      onEvent: (e) => {
        this.log.info(`[search ${ref.id}] ${describeSearchEvent(e, plan)}`);
        if (e.type === 'launched') this.model.refresh(); // show the new trial at once
      },
    });
    controller.acquire();
    clearSearchStop(ref.root, ref.id); // driving it again answers an old stop request
    const entry: Driving = { ...ref, controller, manager, stopRequested: false, done: Promise.resolve(false) };
    this.driving.set(key, entry);
    void this.remember(ref, true);
    entry.done = controller
      .run(() => entry.stopRequested || this.disposed)
      .then(
        (finished) => {
          if (finished) this.log.info(`[search ${ref.id}] finished`);
          // Stopped here, or by another window through the search folder: it stays stopped after a reload.
          if (finished || entry.stopRequested || searchStopRequestOf(ref.root, ref.id) !== null) void this.remember(ref, false);
          return finished;
        },
        (e: unknown) => {
          this.log.error(
            `[search ${ref.id}] stopped driving: ${e instanceof Error ? e.message : String(e)}. Resume it from the Experiments view.`,
          );
          void this.remember(ref, false);
          return false;
        },
      )
      .finally(() => {
        controller.release();
        manager.close();
        this.driving.delete(key);
      });
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
    await this.remember(ref, false);
    this.log.info(
      `[search ${ref.id}] stopped (${stopped.length} active trial${stopped.length === 1 ? '' : 's'} paused; Resume Run on the search continues them)`,
    );
    return stopped;
  }

  hasRemembered(): boolean {
    return this.remembered().length > 0;
  }

  /** Drive again the searches this window was driving when it last closed. */
  continueRemembered(): void {
    for (const ref of this.remembered()) {
      try {
        this.drive(ref);
        this.log.info(`[search ${ref.id}] continuing after the window reloaded`);
      } catch (e) {
        // Driven elsewhere now, or deleted: not ours to continue.
        this.log.warn(`[search ${ref.id}] not continued: ${e instanceof Error ? e.message : String(e)}`);
        void this.remember(ref, false);
      }
    }
  }

  /** Stop driving (the window closes): trials keep training, and the searches stay remembered for the next window. */
  dispose(): void {
    this.disposed = true;
  }

  private remembered(): SearchRef[] {
    return this.memento.get<SearchRef[]>(REMEMBERED_KEY, []);
  }

  private remember(ref: SearchRef, on: boolean): Thenable<void> {
    const others = this.remembered().filter((r) => keyOf(r) !== keyOf(ref));
    return this.memento.update(REMEMBERED_KEY, on ? [...others, ref] : others);
  }
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
