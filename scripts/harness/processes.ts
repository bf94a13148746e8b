// Child processes that never outlive the harness: each server runs in its own process group (its file
// watchers, pty host and extension hosts are its children), and the whole group is killed on stop, on
// Ctrl-C/SIGTERM/SIGHUP, when this process is orphaned (its parent died without passing a signal on: npm
// forwards SIGINT and SIGTERM only to `sh -c`, which need not pass them to us), on an uncaught exception and,
// as a last resort, when Node exits.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

type Cleanup = () => Promise<void> | void;

const cleanups = new Set<Cleanup>();
/** How often the harness checks that its parent is still there. */
const ORPHAN_POLL_MS = 500;
const liveGroups = new Set<number>();
let handlersInstalled = false;

/** Runs `fn` when the process is interrupted or crashes; returns a function that unregisters it. */
export function onCleanup(fn: Cleanup): () => void {
  installHandlers();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

async function runCleanups(): Promise<void> {
  const pending = [...cleanups];
  cleanups.clear();
  await Promise.allSettled(pending.map(async (fn) => fn()));
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  let exiting = false;
  const exitAfterCleanup = (code: number) => {
    if (exiting) return;
    exiting = true;
    // A second Ctrl-C while cleaning up means "now" (the 'exit' hook below still SIGKILLs the groups).
    // Copies of the first signal arrive within moments (the terminal signals the whole process group
    // and npm and the tsx wrapper forward it again): those are ignored.
    const firstAt = Date.now();
    const force = () => {
      if (Date.now() - firstAt > 1500) process.exit(code);
    };
    process.on('SIGINT', force);
    process.on('SIGTERM', force);
    process.on('SIGHUP', force);
    void runCleanups().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => exitAfterCleanup(130));
  process.once('SIGTERM', () => exitAfterCleanup(143));
  process.once('SIGHUP', () => exitAfterCleanup(129));
  // Orphaned: whoever started us is gone (npm or its shell killed), so nobody will stop what we started.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && exitAfterCleanup(129), ORPHAN_POLL_MS).unref();
  // Synchronous last resort: async cleanups cannot run in 'exit', so kill what is still alive.
  process.on('exit', () => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is already gone.
  }
}

/** Whether any process of the group is still alive (signal 0 only checks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Spawns `command` as the leader of a new process group that the harness will kill when done. */
export function spawnGroup(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  installHandlers();
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${command}: no pid (is it installed and executable?)`);
  liveGroups.add(child.pid);
  return child;
}

/** SIGTERM to the whole group, SIGKILL after `graceMs` if anything in it is still alive. */
export async function killGroup(pgid: number, graceMs = 3000): Promise<void> {
  liveGroups.delete(pgid);
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return;
    await sleep(50);
  }
  signalGroup(pgid, 'SIGKILL');
}

/**
 * Pids of processes (other than this one) whose environment has `name=value`. Every process a test run
 * starts inherits the run's marker variable, including servers in their own process groups and their
 * children, so this finds what a killed test process could not clean up itself.
 */
export function findProcessesWithEnv(name: string, value: string): number[] {
  const needle = `${name}=${value}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
    } catch {
      continue; // exited while we looked, or not ours to read
    }
    if (environ.split('\0').includes(needle)) found.push(Number(entry));
  }
  return found;
}

/** `pid command line` for a report; empty when the process is gone. */
export function describeProcess(pid: number): string {
  try {
    return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim().slice(0, 200)}`;
  } catch {
    return '';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with `message` (and what to check) when `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (timed out after ${Math.round(ms / 1000)} s)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
