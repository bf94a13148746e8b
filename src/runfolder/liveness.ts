/**
 * Is a run's worker alive? Decided from the process, not only from the clock: a "running" status whose pid is dead,
 * or whose pid now belongs to a process that started after the status's last heartbeat (a reused pid), is
 * "interrupted" at once. The heartbeat rule of protocol/run.ts effectiveState still applies on top (a worker alive
 * but silent for HEARTBEAT_STALE_MS reads as interrupted too). docs/choices.md, "Worker liveness", says why the
 * start time and not a token.
 */
import { effectiveState, type RunState, type RunStatus } from '../protocol/run';
import { isProcessAliveSince } from './process';

/** True while the worker named by `status.pid` is alive and is the process that wrote the status's heartbeat. */
export function statusWorkerAlive(status: RunStatus): boolean {
  if (status.pid === null) return false;
  const beat = status.heartbeat ? Date.parse(status.heartbeat) : NaN;
  return isProcessAliveSince(status.pid, beat);
}

/** The state every reader shows: effectiveState, with a dead or foreign worker pid turning "running" into "interrupted". */
export function observedState(status: RunStatus, now: number = Date.now()): RunState {
  const state = effectiveState(status, now);
  return state === 'running' && !statusWorkerAlive(status) ? 'interrupted' : state;
}
