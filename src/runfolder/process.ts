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

/**
 * Clock slack of processStartedAt: /proc/stat's btime has one-second resolution and is derived from the wall clock
 * minus the uptime, so it wobbles by a second; a start time is only trusted to this much.
 */
const START_TIME_SLACK_MS = 2_000;

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's starttime: 100 on every architecture Linux runs Node on. */
const CLOCK_TICKS_PER_S = 100;

/**
 * True while `pid` is alive AND is the process that wrote something at `recordedAt` (ms since the epoch): a process
 * that started after that moment cannot have written it, so its pid was reused by another program. This is how
 * readers tell "our worker" from a stranger without a token in the run folder (docs/choices.md, "Worker liveness").
 * Where the start time is unknown (not Linux), the pid alone decides.
 */
export function isProcessAliveSince(pid: number, recordedAt: number): boolean {
  if (!isProcessAlive(pid)) return false;
  const started = processStartedAt(pid);
  return started === null || !Number.isFinite(recordedAt) || started <= recordedAt + START_TIME_SLACK_MS;
}

/** When `pid` started (ms since the epoch), from /proc/<pid>/stat field 22 and /proc/stat's boot time; null elsewhere. */
export function processStartedAt(pid: number): number | null {
  const fields = statFields(pid);
  const ticks = fields ? Number(fields[19]) : NaN; // field 22 overall: the 20th after "pid (comm)"
  const boot = bootTimeMs();
  return Number.isFinite(ticks) && boot !== null ? boot + (ticks * 1000) / CLOCK_TICKS_PER_S : null;
}

let bootTime: number | null | undefined;

function bootTimeMs(): number | null {
  if (bootTime !== undefined) return bootTime;
  try {
    const m = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
    bootTime = m ? Number(m[1]) * 1000 : null;
  } catch {
    bootTime = null;
  }
  return bootTime;
}

/** The fields of /proc/<pid>/stat after "pid (comm)" (state first), or null where there is no /proc. */
function statFields(pid: number): string[] | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) S ...": comm may contain spaces and parentheses, so the fields follow the LAST ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Linux only (/proc): state "Z" in /proc/<pid>/stat. Elsewhere a zombie is indistinguishable here; assume not. */
function isZombie(pid: number): boolean {
  const state = statFields(pid)?.[0];
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
