/**
 * Which run endings deserve a notification, without VS Code: only runs this window saw queued or running (or
 * started itself), so the runs that ended while the window was closed do not all announce themselves at start-up.
 * A search's trials only notify when they fail (a search of 30 trials would otherwise raise 30 notifications), and
 * a cancelled run never does: whoever stopped it knows.
 */
import type { RunState } from '../../protocol/run';
import type { RunInfo } from '../../runs/store';

export type RunOutcome = 'completed' | 'failed' | 'interrupted';

export class CompletionWatch {
  private readonly active = new Set<string>();

  /** A run this window is starting: it notifies when it ends even if it ends before it was seen running. */
  expect(id: string): void {
    this.active.add(id);
  }

  /** The outcome to announce for this state of the run, if any. */
  observe(run: Pick<RunInfo, 'id' | 'search'> & { state: RunState | 'unknown' }): RunOutcome | null {
    if (run.state === 'queued' || run.state === 'running') {
      this.active.add(run.id);
      return null;
    }
    if (!this.active.delete(run.id)) return null;
    switch (run.state) {
      case 'completed':
        return run.search ? null : 'completed';
      case 'failed':
      case 'interrupted':
        return run.state;
      default:
        return null;
    }
  }

  forget(id: string): void {
    this.active.delete(id);
  }
}
