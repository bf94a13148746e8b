/**
 * One writer per run folder: a worker trains a folder only while it holds <run>/worker.lock (lock.ts: exclusive
 * create, stale when its process is gone or the pid was reused), taken before it writes anything, held until it
 * exits. Every path that starts a worker (the run manager, `mlbtc train`, `mlbtc train --resume`, `mlbtc resume`,
 * `node worker.js DIR`) ends in the worker, so this is the one place the rule is enforced; starters check it first
 * only to fail early with the same message. A refused worker leaves the folder exactly as it found it.
 */
import * as path from 'node:path';
import { RunFiles } from '../protocol/run';
import { statusWorkerAlive } from './liveness';
import { FileLock, readLock, type LockInfo } from './lock';
import { isProcessAliveSince } from './process';
import { readStatus } from './runFolder';

export type Claim = { lock: FileLock; refused?: undefined } | { refused: string };

function workerLock(runDir: string): FileLock {
  return new FileLock(path.join(runDir, RunFiles.workerLock), 'worker', { isAlive: isProcessAliveSince });
}

/** The live worker holding the run folder, or null. */
export function liveWorkerOf(runDir: string): LockInfo | null {
  const holder = readLock(path.join(runDir, RunFiles.workerLock));
  return holder && isProcessAliveSince(holder.pid, Date.parse(holder.createdAt)) ? holder : null;
}

/** The pid in a lock that may still be being written (its creator is between create and write): waits up to 100 ms. */
function holderPid(file: string): number | null {
  for (let attempt = 0; attempt < 20; attempt++) {
    const holder = readLock(file);
    if (holder) return holder.pid;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
  return null;
}

/** "DIR is already running (pid N)": the one wording every starter uses. */
export function alreadyRunning(runDir: string, pid: number | null): string {
  return `${runDir} is already running (pid ${pid ?? '?'}); stop it first, or wait for it to end.`;
}

/**
 * Take the run folder for this process's worker, or say why not: another live worker holds it, it completed, or
 * (without `resume`) it has started before. Nothing in the folder is written on refusal.
 */
export function claimRunFolder(runDir: string, resume: boolean): Claim {
  const lock = workerLock(runDir);
  try {
    if (!lock.tryAcquire()) return { refused: alreadyRunning(runDir, holderPid(lock.file)) };
  } catch (e) {
    return {
      refused: `${runDir}: cannot take ${RunFiles.workerLock} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is it a run folder?`,
    };
  }
  const refuse = (why: string): Claim => {
    lock.release();
    return { refused: why };
  };
  const { status, problem } = readStatus(runDir);
  if (!status) return refuse(problem);
  // A worker of another runtime version that does not take the lock: its live pid in a running status excludes us.
  if (status.state === 'running' && status.pid !== process.pid && statusWorkerAlive(status)) {
    return refuse(alreadyRunning(runDir, status.pid));
  }
  if (status.state === 'completed') return refuse(`${runDir} already completed ${status.step} steps; there is nothing to resume`);
  if (!resume && status.state !== 'queued') {
    return refuse(`${runDir} has already started (state ${status.state}); continue it with resume instead of starting it again`);
  }
  return { lock };
}
