/**
 * launch.json: written by the manager that spawned a run's worker, right after spawning it and still holding the
 * run's lock. Between the spawn and the worker's first status write (a second or so, loading the engine) the run
 * still reads "queued"; the marker tells every manager that a worker is already starting on it, so none starts a
 * second one, and the queue counts it as running. Once the worker has written its own status the marker is moot;
 * resume deletes it when it queues the run again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../runfolder/runFolder';
import { HEARTBEAT_STALE_MS } from '../protocol/run';
import { StoreFiles } from './layout';
import { isProcessAlive } from '../runfolder/process';

export interface LaunchMarker {
  workerPid: number;
  managerPid: number;
  at: string;
}

export function writeLaunchMarker(runDir: string, workerPid: number): void {
  const marker: LaunchMarker = { workerPid, managerPid: process.pid, at: new Date().toISOString() };
  writeFileAtomic(path.join(runDir, StoreFiles.launch), JSON.stringify(marker));
}

export function readLaunchMarker(runDir: string): LaunchMarker | null {
  const file = path.join(runDir, StoreFiles.launch);
  // Asked for every queued run on every tick, and usually absent: a cheap existence check, no thrown ENOENT.
  if (!fs.existsSync(file)) return null;
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LaunchMarker>;
    return typeof m.workerPid === 'number' && typeof m.at === 'string'
      ? { workerPid: m.workerPid, managerPid: Number(m.managerPid), at: m.at }
      : null;
  } catch {
    return null;
  }
}

export function clearLaunchMarker(runDir: string): void {
  fs.rmSync(path.join(runDir, StoreFiles.launch), { force: true });
}

export type LaunchState = 'none' | 'starting' | 'died';

/**
 * For a run whose status says "queued": was a worker spawned on it, and is it still starting ("starting"), or did
 * it exit before writing any status ("died": a crash at start-up)? A marker older than HEARTBEAT_STALE_MS whose pid
 * is alive is treated as died too: that pid now belongs to another process.
 */
export function launchState(runDir: string, now: number = Date.now()): { state: LaunchState; marker: LaunchMarker | null } {
  const marker = readLaunchMarker(runDir);
  if (!marker) return { state: 'none', marker };
  const fresh = now - Date.parse(marker.at) <= HEARTBEAT_STALE_MS;
  return { state: fresh && isProcessAlive(marker.workerPid) ? 'starting' : 'died', marker };
}
