/**
 * Stopping a job in any phase, not only between steps: the job hands `betweenBatches` to evaluation (and calls it
 * between start-up phases), which gives signals and IPC messages a turn of the event loop (awaiting a tensor read
 * on the cpu backend never does) and throws StopRequested when a stop was asked for. An evaluation of 1e9 batches,
 * or a very slow one, then stops within one batch. Building the model is one synchronous call and cannot be
 * interrupted; the resource check before training keeps it bounded.
 */
export class StopRequested extends Error {
  override readonly name = 'StopRequested';

  constructor(
    /** What asked: "SIGTERM", "stop request". */
    readonly by: string,
  ) {
    super(`stopped by ${by}`);
  }
}

/** A `betweenBatches` for `stopRequested` (JobOptions.stopRequested). */
export function stopPoint(stopRequested: (() => string | null) | undefined): () => Promise<void> {
  return async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const by = stopRequested?.() ?? null;
    if (by) throw new StopRequested(by);
  };
}
