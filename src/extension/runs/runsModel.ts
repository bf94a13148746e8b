/**
 * The runs a window follows, as one live model: one RunManager per runs directory, a snapshot of every run kept up
 * to date from the managers' typed events (never by re-reading the disk on a timer of our own), and each run's latest
 * training loss. The Experiments tree, the live-losses and trade-offs panels and the output channel all read this
 * one model and listen to its events.
 *
 * No vscode import: unit tests and benchmarks drive it with real managers and workers.
 */
import * as path from 'node:path';
import { RunFiles } from '../../protocol/run';
import { Emitter, type Disposable, type RunEvent } from '../../runs/events';
import type { RunManager } from '../../runs/manager';
import { lastMetric } from '../../runs/metrics';
import type { RunInfo } from '../../runs/store';

/** The latest training loss of a run and the step it was recorded at. */
/** A run's last train record: its loss, and its position for progress (step, training wall time so far). */
export interface LatestLoss {
  step: number;
  loss: number;
  wallMs: number;
}

/** A model event: a manager's event, with the runs directory it came from. The snapshot is updated before it fires. */
export interface ModelEvent {
  root: string;
  event: RunEvent;
}

export class RunsModel implements Disposable {
  private readonly managers = new Map<string, RunManager>();
  private readonly subscriptions = new Map<string, Disposable>();
  /** Every run by id. Ids embed a time and random digits, so they are unique across the roots a window follows. */
  private readonly runsById = new Map<string, RunInfo>();
  /** Latest training loss by run id; absent: not read yet (read from the file on first request). */
  private readonly losses = new Map<string, LatestLoss | null>();
  private readonly events = new Emitter<ModelEvent>();
  /** Fired after the set of roots changed (all runs may have changed). */
  private readonly rootsChanged = new Emitter<void>();

  /** @param open creates and opens the manager of a runs directory */
  constructor(private readonly open: (root: string) => RunManager) {}

  /** Follow exactly these runs directories: managers of roots no longer wanted are closed (their runs keep going). */
  setRoots(roots: readonly string[]): void {
    const wanted = new Set(roots.map((r) => path.resolve(r)));
    if (wanted.size === this.managers.size && [...wanted].every((r) => this.managers.has(r))) return;
    for (const root of [...this.managers.keys()]) if (!wanted.has(root)) this.closeRoot(root);
    for (const root of wanted) if (!this.managers.has(root)) this.openRoot(root);
    this.rootsChanged.emit();
  }

  /** Close every manager and open them again (a setting they were created with changed). */
  reopen(): void {
    const roots = [...this.managers.keys()];
    for (const root of roots) this.closeRoot(root);
    for (const root of roots) this.openRoot(root);
    this.rootsChanged.emit();
  }

  get roots(): string[] {
    return [...this.managers.keys()];
  }

  manager(root: string): RunManager | undefined {
    return this.managers.get(path.resolve(root));
  }

  /** Every run, oldest first (as the store lists them). */
  runs(): RunInfo[] {
    return [...this.runsById.values()].sort(byCreation);
  }

  run(id: string): RunInfo | undefined {
    return this.runsById.get(id);
  }

  /** The manager that owns a run (the one of its runs directory). */
  managerOf(id: string): RunManager | undefined {
    const run = this.runsById.get(id);
    return run ? this.managers.get(path.dirname(run.dir)) : undefined;
  }

  /** The run's latest training loss: from the manager's metric events, or once from the end of its metrics file. */
  latestLoss(id: string): LatestLoss | null {
    if (this.losses.has(id)) return this.losses.get(id)!;
    const run = this.runsById.get(id);
    if (!run) return null;
    let latest: LatestLoss | null = null;
    try {
      const record = lastMetric(path.join(run.dir, RunFiles.metrics), (r) => r.kind === 'train');
      if (record?.kind === 'train') latest = { step: record.step, loss: record.loss, wallMs: record.wallMs };
    } catch {
      // unreadable metrics: no loss to show
    }
    this.losses.set(id, latest);
    return latest;
  }

  onEvent(listener: (event: ModelEvent) => void): Disposable {
    return this.events.on(listener);
  }

  onRootsChanged(listener: () => void): Disposable {
    return this.rootsChanged.on(listener);
  }

  /** A run was created, stopped, resumed or deleted here: apply it now rather than at the manager's next tick. */
  refresh(id?: string): void {
    const manager = id ? this.managerOf(id) : undefined;
    for (const m of manager ? [manager] : this.managers.values()) m.tick();
  }

  dispose(): void {
    for (const root of [...this.managers.keys()]) this.closeRoot(root);
  }

  private openRoot(root: string): void {
    const manager = this.open(root);
    this.managers.set(root, manager);
    this.subscriptions.set(
      root,
      manager.onEvent((event) => {
        this.apply(event);
        this.events.emit({ root, event });
      }),
    );
    // The manager reports runs it finds from now on; those already there are read once.
    for (const run of manager.list()) this.runsById.set(run.id, run);
  }

  private closeRoot(root: string): void {
    this.subscriptions.get(root)?.dispose();
    this.subscriptions.delete(root);
    this.managers.get(root)?.close();
    this.managers.delete(root);
    for (const [id, run] of [...this.runsById]) {
      if (path.dirname(run.dir) === root) {
        this.runsById.delete(id);
        this.losses.delete(id);
      }
    }
  }

  private apply(event: RunEvent): void {
    switch (event.type) {
      case 'added':
      case 'state':
      case 'progress':
        this.runsById.set(event.run.id, event.run);
        return;
      case 'removed':
        this.runsById.delete(event.id);
        this.losses.delete(event.id);
        return;
      case 'metrics':
        this.losses.delete(event.id); // read again from the file's end when next asked for
        return;
      default:
        return;
    }
  }
}

function byCreation(a: RunInfo, b: RunInfo): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
