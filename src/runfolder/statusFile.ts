/**
 * The few status writes a manager makes itself: only while no worker is alive on the run and only holding the
 * run's lock (see manager.ts). Reading and checking status.json lives with its format (protocol/run.ts
 * parseStatus, runfolder/runFolder.ts readStatus).
 */
import * as path from 'node:path';
import { writeFileAtomic } from './runFolder';
import { RunFiles, type RunStatus } from '../protocol/run';

/** Replace the run's status (atomically). Callers hold the run lock and have checked that no worker is alive. */
export function writeStatus(runDir: string, status: RunStatus): void {
  writeFileAtomic(path.join(runDir, RunFiles.status), `${JSON.stringify(status, null, 2)}\n`);
}
