/**
 * A stop request through the run folder itself (RunFiles.stop), so that any window or `mlbtc stop` can stop a run
 * whoever started its worker, even one whose process it cannot signal. The file holds one line naming who asked;
 * its presence is the request. The worker (tfjs job, PyTorch worker) checks for it between steps and, when present,
 * saves a checkpoint and ends the run "cancelled" with exit reason "stopped by <who> after step N", exactly as on
 * SIGTERM. The file stays as a record until the run is queued again (resume clears it), so a request that arrives
 * while the worker is starting is still honoured at its first step.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunFiles } from '../protocol/run';

export function requestStop(runDir: string, by: string): void {
  fs.writeFileSync(path.join(runDir, RunFiles.stop), `${by}\n`);
}

/** Who asked the run to stop ("a stop request" when the file is empty), or null when nobody did. */
export function stopRequestOf(runDir: string): string | null {
  try {
    return fs.readFileSync(path.join(runDir, RunFiles.stop), 'utf8').trim() || 'a stop request';
  } catch {
    return null;
  }
}

export function clearStopRequest(runDir: string): void {
  fs.rmSync(path.join(runDir, RunFiles.stop), { force: true });
}
