/**
 * Where the live-losses panel gets runs and their metric records. The panel depends only on RunSeriesSource; the
 * window's run service implements it from its run managers' events (src/extension/runs/lossesSource.ts).
 */
import type { MetricRecord } from '../../../protocol/run';

export interface RunDescriptor {
  id: string;
  name: string;
  state: string;
  /** status.json's runtime, e.g. "tfjs 4.22.0 · wasm" (null until the worker has started). */
  runtime: string | null;
  /** Sort key: newest first. */
  startedAt: string | null;
}

export type SourceEvent =
  { kind: 'runs'; runs: RunDescriptor[] } | { kind: 'records'; runId: string; records: MetricRecord[]; reset: boolean };

export interface RunSeriesSource {
  /** Runs now, newest first. */
  list(): RunDescriptor[];
  /** Follow these runs' metrics (and stop following the others): their records arrive as 'records' events, starting with a reset carrying every record so far. */
  follow(runIds: readonly string[]): void;
  onEvent(listener: (event: SourceEvent) => void): { dispose(): void };
  dispose(): void;
}
