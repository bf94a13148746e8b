/**
 * The live-losses panel's run source (RunSeriesSource, defined by the panel) fed by the window's runs model: the
 * run list follows the managers' added/removed/state events, and a shown run's new records are read when its manager
 * reports metrics for it. The panel reads each shown run's file through its own MetricsTail (the whole file first,
 * then exactly the appended bytes), so it never depends on when the manager started following the run and never
 * sees a record twice.
 *
 * One source per panel: disposing it (the panel closes) detaches it from the model and nothing else.
 */
import * as path from 'node:path';
import { RunFiles } from '../../protocol/run';
import type { Disposable } from '../../runs/events';
import { MetricsTail } from '../../runs/metrics';
import type { RunInfo } from '../../runs/store';
import { runTitle } from './runDescription';
import type { RunDescriptor, RunSeriesSource, SourceEvent } from '../panels/losses/runSource';
import type { RunsModel } from './runsModel';
import type { TrialParams } from './trialParams';

export class ModelSeriesSource implements RunSeriesSource {
  private readonly listeners = new Set<(e: SourceEvent) => void>();
  private readonly tails = new Map<string, MetricsTail>();
  private readonly subscriptions: Disposable[];
  /** The runs the panel asked for, some perhaps not listed yet (a saved view restored before its runs are read). */
  private wanted: readonly string[] = [];
  private listPending = false;
  private disposed = false;

  /** @param trials names search trials by the values they varied (none: by number) */
  constructor(
    private readonly model: RunsModel,
    private readonly trials?: TrialParams,
  ) {
    this.subscriptions = [
      model.onRootsChanged(() => this.listChanged()),
      model.onEvent(({ event }) => {
        switch (event.type) {
          case 'added':
            this.listChanged();
            return;
          case 'removed':
            this.tails.delete(event.id);
            this.listChanged();
            return;
          case 'state':
            // The final records are read together with the state change that ends a run.
            this.readNew(event.run.id);
            this.listChanged();
            return;
          case 'metrics':
            this.readNew(event.id);
            return;
          default:
            return;
        }
      }),
    ];
  }

  /** Runs now, newest first (by start, or creation for runs that have not started). */
  list(): RunDescriptor[] {
    return this.model
      .runs()
      .map((run) => describe(run, this.trials?.of(run)?.params))
      .sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || a.id.localeCompare(b.id));
  }

  follow(runIds: readonly string[]): void {
    this.wanted = [...runIds];
    for (const id of [...this.tails.keys()]) if (!runIds.includes(id)) this.tails.delete(id);
    for (const id of runIds) {
      const run = this.model.run(id);
      if (!run || this.tails.has(id)) continue;
      const tail = new MetricsTail(path.join(run.dir, RunFiles.metrics));
      this.tails.set(id, tail);
      const first = tail.poll();
      this.emit({ kind: 'records', runId: id, records: first.records, reset: true });
    }
  }

  onEvent(listener: (e: SourceEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.subscriptions) s.dispose();
    this.listeners.clear();
    this.tails.clear();
  }

  private readNew(id: string): void {
    const tail = this.tails.get(id);
    if (!tail) return;
    const update = tail.poll();
    if (update.records.length || update.reset) this.emit({ kind: 'records', runId: id, records: update.records, reset: update.reset });
  }

  /** One list update per burst of run events (a search creating trials, a manager opening). */
  private listChanged(): void {
    if (this.listPending) return;
    this.listPending = true;
    queueMicrotask(() => {
      this.listPending = false;
      if (this.disposed) return;
      this.emit({ kind: 'runs', runs: this.list() });
      this.follow(this.wanted);
    });
  }

  private emit(e: SourceEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}

function describe(run: RunInfo, params: string | undefined): RunDescriptor {
  return {
    id: run.id,
    name: runTitle(run, new Date(), params),
    state: run.state,
    runtime: run.status?.runtime ?? null,
    startedAt: run.status?.startedAt ?? run.createdAt,
  };
}
