/**
 * The typed events a run manager emits, one per change, so views (the Experiments tree, the run panel, the CLI's
 * progress) update live without re-reading runs themselves.
 */
import type { RunState } from '../protocol/run';
import type { RunInfo } from './store';

export type RunEvent =
  /** A run folder appeared (created here, by another manager, or by `mlbtc train`). */
  | { type: 'added'; run: RunInfo }
  /** A run folder disappeared (deleted). */
  | { type: 'removed'; id: string }
  /** The run's state (as readers show it: observedState) changed. */
  | { type: 'state'; run: RunInfo; previous: RunState | 'unknown' }
  /** A running run reached a new step (from its status.json, refreshed with every heartbeat or record). */
  | { type: 'progress'; run: RunInfo }
  /**
   * A doorbell: the run's metrics.jsonl changed (records appended, or the file rewritten by a resume that dropped
   * records after its checkpoint). Whoever shows records reads them itself (MetricsTail, lastMetric), so the file is
   * read once, by the reader that needs it.
   */
  | { type: 'metrics'; id: string }
  /** This manager took or lost ownership of the queue (see manager.ts). */
  | { type: 'queue'; owner: boolean }
  /** Something a user may want to know that is not an error of the caller: skipped metric lines, a failed watch. */
  | { type: 'warning'; id?: string; message: string };

export interface Disposable {
  dispose(): void;
}

export class Emitter<T> {
  private listeners = new Set<(event: T) => void>();

  on(listener: (event: T) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  emit(event: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A failing view must not stop the others from hearing about the change.
      }
    }
  }
}
