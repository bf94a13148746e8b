/**
 * What the output channel "MLBTC Studio" says about runs: each state change (with why a run ended), the managers'
 * warnings, and the worker's own log lines, read from each active run's worker.log whenever the run manager reports
 * activity on it (no timer of our own: the manager already watches the run folder).
 *
 * Lines of runs that were already there when the window started following them are not repeated: their logs are
 * followed from their end. Runs that appear later (created here, by another window or by `mlbtc train`) are followed
 * from their start.
 */
import * as path from 'node:path';
import { RunFiles } from '../../protocol/run';
import type { Disposable } from '../../runs/events';
import type { RunInfo } from '../../runs/store';
import type { RunsModel } from './runsModel';
import { parseLogLine } from '../../protocol/run';
import { LogTail } from './workerLog';

/** The part of a LogOutputChannel this needs (tests pass a recorder). */
export interface LogSink {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export class RunLog implements Disposable {
  private readonly tails = new Map<string, LogTail>();
  private readonly subscriptions: Disposable[];

  constructor(
    private readonly model: RunsModel,
    private readonly sink: LogSink,
  ) {
    this.subscriptions = [
      model.onRootsChanged(() => this.adoptExisting()),
      model.onEvent(({ event }) => {
        switch (event.type) {
          case 'added':
            this.tails.set(event.run.id, new LogTail(logFile(event.run), false));
            this.sink.info(`[${event.run.id}] ${event.run.state}${describeOrigin(event.run)}`);
            this.readLog(event.run.id);
            return;
          case 'state': {
            this.readLog(event.run.id);
            const { run } = event;
            const reason = run.status?.exitReason ? `: ${run.status.exitReason}` : '';
            const where = run.status && run.state !== 'queued' ? ` at step ${run.status.step} of ${run.status.totalSteps}` : '';
            const line = `[${run.id}] ${event.previous} → ${run.state}${where}${run.state === 'running' && run.status?.backend ? ` on ${run.status.backend}` : ''}${reason}`;
            if (run.state === 'failed' || run.state === 'unknown') this.sink.error(line);
            else if (run.state === 'interrupted') this.sink.warn(line);
            else this.sink.info(line);
            return;
          }
          case 'progress':
            this.readLog(event.run.id);
            return;
          case 'metrics':
            this.readLog(event.id);
            return;
          case 'removed':
            this.tails.delete(event.id);
            this.sink.info(`[${event.id}] deleted`);
            return;
          case 'warning':
            this.sink.warn(event.id ? `[${event.id}] ${event.message}` : event.message);
            return;
          case 'queue':
            this.sink.info(
              event.owner ? 'this window now starts queued runs (it owns the run queue)' : 'this window no longer owns the run queue',
            );
            return;
        }
      }),
    ];
    this.adoptExisting();
  }

  /** Runs already listed when a runs directory is first followed: their logs from their current end. */
  private adoptExisting(): void {
    for (const run of this.model.runs()) if (!this.tails.has(run.id)) this.tails.set(run.id, new LogTail(logFile(run), true));
  }

  private readLog(id: string): void {
    const tail = this.tails.get(id);
    if (!tail) return;
    for (const raw of tail.read()) {
      if (!raw.trim()) continue;
      const line = parseLogLine(raw);
      const text = `[${id}] ${line.message}`;
      if (line.level === 'error') this.sink.error(text);
      else if (line.level === 'warn' || line.level === null)
        this.sink.warn(text); // raw output: a crash trace, a native warning
      else this.sink.info(text);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.tails.clear();
  }
}

function logFile(run: RunInfo): string {
  return path.join(run.dir, RunFiles.log);
}

function describeOrigin(run: RunInfo): string {
  if (run.search) return ` (search ${run.search.id}, trial ${run.search.trial}, rung ${run.search.rung})`;
  return run.source ? ` (${path.basename(run.source)})` : '';
}
