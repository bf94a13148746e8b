// The runs directory of a workbench's workspace (the default mlbtc.runsDirectory), and cleaning up after a test.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../../../src/runfolder/process';
import { readStatus } from '../../../src/runfolder/runFolder';
import type { Workbench } from './workbench';

export const runsDir = (wb: Workbench): string => path.join(wb.workspace, '.mlbtc', 'runs');

/** Kill whatever a failed test left training in the workspace: workers are detached, so closing the server does not. */
export function killWorkers(wb: Workbench): void {
  const dir = runsDir(wb);
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const pid = readStatus(path.join(dir, name)).status?.pid;
    if (pid && isProcessAlive(pid)) process.kill(-pid, 'SIGKILL');
  }
}
