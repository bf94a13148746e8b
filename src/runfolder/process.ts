/**
 * Is a process still there? Used to tell a live worker or lock owner from one that died without cleaning up, and a
 * run folder's temp file of a live writer from a dead one's leftover.
 */
import * as fs from 'node:fs';

/**
 * True while `pid` names a process that can still run. A zombie (exited, not yet reaped by its parent: common for
 * a detached worker whose manager died, in a container whose init does not reap) counts as dead, because it will
 * never write again. EPERM means the process exists but belongs to another user: alive.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** Linux only (/proc): state "Z" in /proc/<pid>/stat. Elsewhere a zombie is indistinguishable here; assume not. */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) S ...": comm may contain spaces and parentheses, so the state follows the LAST ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

/** Send `signal` to a process group (negative pid), falling back to the process alone; false when it is gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}
