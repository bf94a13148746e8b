/**
 * Recording a worker that a starter saw die without a final status (`mlbtc train` forks its worker and sees its
 * exit signal): the run becomes "interrupted" with the reason at once, instead of reading "running" until readers
 * notice the dead pid. Under the run's lock and only if the status still names that worker, as manager.ts does.
 */
import * as path from 'node:path';
import { FileLock } from '../runfolder/lock';
import { isProcessAliveSince } from '../runfolder/process';
import { readStatus } from '../runfolder/runFolder';
import { writeStatus } from '../runfolder/statusFile';
import { StoreFiles } from './layout';

/** Mark the run interrupted if its status still says "running" with worker `pid`; true when it was written. */
export function recordDeadWorker(runDir: string, pid: number, reason: string, owner: string): boolean {
  const lock = new FileLock(path.join(runDir, StoreFiles.runLock), owner, { isAlive: isProcessAliveSince });
  try {
    if (!lock.tryAcquire()) return false;
  } catch {
    return false; // unwritable: readers still see the dead pid as interrupted
  }
  try {
    const status = readStatus(runDir).status;
    if (status?.state !== 'running' || status.pid !== pid) return false;
    const exitReason = `${reason} (last step ${status.step})`;
    writeStatus(runDir, { ...status, state: 'interrupted', pid: null, endedAt: new Date().toISOString(), exitReason });
    return true;
  } finally {
    lock.release();
  }
}
