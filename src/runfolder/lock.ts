/**
 * Lock files, so that several managers (the extension, `mlbtc` commands, a search controller) share one runs
 * directory without corrupting each other's runs.
 *
 * Protocol (see also docs in store.ts):
 * - A lock is a file created with O_CREAT|O_EXCL ("wx"), holding JSON {pid, hostname, createdAt, owner}. Creating
 *   it is the acquisition: exactly one process can succeed.
 * - Release deletes the file, but only if it still names this process (a lock broken as stale and re-taken by
 *   someone else is never deleted by its former owner).
 * - A lock is stale when its owner is on this host and no longer alive (isProcessAliveSince: zombies count as
 *   dead, and so does a process that started after the lock was written, i.e. a stranger that reused the pid), or
 *   when its content cannot be read and the file is older than UNREADABLE_GRACE_MS (a creator that died between
 *   create and write). A lock from another host is not judged by its pid: we cannot see its processes.
 * - A holder that keeps a heartbeat (LockOptions.heartbeat) records `staleAfterMs` in the lock and renews the file's
 *   mtime while whoever it acts for is present. Its lock is also stale, on any host, when the mtime is older than
 *   that: the holder's process lives but nobody is behind it (an editor window's extension host that code-server or
 *   Remote-SSH keeps for minutes after the window went away, a process stopped in a debugger). Such a ghost keeps
 *   working until someone wants the lock; it learns it lost the lock at its next renewal or `confirm()`.
 * - Breaking a stale lock: rename it to a unique name (atomic; one breaker wins), then re-read the renamed file. If
 *   it is still the stale content we judged, delete it and retry the acquisition. If not, we raced with a breaker
 *   that had already re-taken the lock: link the file back (link fails if a third process holds the name by now).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface LockInfo {
  pid: number;
  hostname: string;
  createdAt: string;
  /** What holds it, for messages: "run manager", "mlbtc stop", "search controller". */
  owner: string;
  /** Set by a holder with a heartbeat: the lock is stale once its file's mtime is older than this. */
  staleAfterMs?: number;
}

/** A lock file with content we cannot parse yet is given this long to be written before it counts as stale. */
const UNREADABLE_GRACE_MS = 10_000;

export class LockedError extends Error {
  constructor(
    readonly file: string,
    readonly holder: LockInfo | null,
  ) {
    super(
      holder
        ? `${file} is held by ${holder.owner} (pid ${holder.pid} on ${holder.hostname} since ${holder.createdAt}); try again when it is done.`
        : `${file} is held by another process; try again in a few seconds.`,
    );
    this.name = 'LockedError';
  }
}

export function readLock(file: string): LockInfo | null {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (typeof value.pid === 'number' && typeof value.hostname === 'string') {
      return {
        pid: value.pid,
        hostname: value.hostname,
        createdAt: String(value.createdAt ?? ''),
        owner: String(value.owner ?? 'another process'),
        ...(typeof value.staleAfterMs === 'number' && value.staleAfterMs > 0 ? { staleAfterMs: value.staleAfterMs } : {}),
      };
    }
  } catch {
    // missing, being written, or garbage: the caller decides by age
  }
  return null;
}

export interface LockOptions {
  /** Answers "is this pid alive, and the process that wrote the lock at `createdAt` (ms)?" (injectable for tests). */
  isAlive: (pid: number, createdAt: number) => boolean;
  /** Keep the lock fresh while it is held, so that others can tell a live holder from a ghost. */
  heartbeat?: Heartbeat;
}

export interface Heartbeat {
  /** Renew the lock's mtime this often while `present()` holds. */
  everyMs: number;
  /** Others may take the lock once it has not been renewed for this long (recorded in the lock for them). */
  staleAfterMs: number;
  /** Whether whoever the holder acts for is there: a window that answers, a CLI process (always). */
  present: () => boolean;
  /** Called when a renewal or `confirm()` finds that another holder has taken the lock. */
  onLost?: (by: LockInfo | null) => void;
}

/** How often a heartbeat lock is renewed, and how long after its last renewal others may take it. */
export type HeartbeatTiming = Pick<Heartbeat, 'everyMs' | 'staleAfterMs'>;

/** The last createdAt (ms) this process wrote into a lock. */
let lastCreatedMs = 0;

/**
 * Now, as a lock's createdAt, never the same twice in this process: with the pid it tells one lock from a later one
 * this process took on the same file (two in one millisecond would otherwise look the same to release()).
 */
function uniqueCreatedAt(): string {
  lastCreatedMs = Math.max(Date.now(), lastCreatedMs + 1);
  return new Date(lastCreatedMs).toISOString();
}

/** The heartbeat of long-held locks (the run queue, a search's controller): renewed every 2 s, stale after 12 s. */
export const OWNER_HEARTBEAT: HeartbeatTiming = { everyMs: 2_000, staleAfterMs: 12_000 };

export class FileLock {
  private held = false;
  /** createdAt of the lock this object wrote: with pid and hostname, what tells our lock from a later holder's. */
  private createdAt = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly file: string,
    readonly owner: string,
    private readonly options: LockOptions,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /** Take the lock if it is free or stale. False when a live process holds it. Throws on I/O errors other than EEXIST. */
  tryAcquire(): boolean {
    if (this.held) return true;
    // A few rounds: each round either takes the lock, finds it live, or breaks a stale one and tries again.
    for (let round = 0; round < 3; round++) {
      if (this.create()) {
        this.held = true;
        this.startHeartbeat();
        return true;
      }
      // Not re-entrant: a lock naming this process is held by another FileLock object here (another manager in the
      // same process), which must exclude us like any other holder.
      const holder = readLock(this.file);
      if (!this.isStale(holder)) return false;
      this.breakStale(holder);
    }
    return false;
  }

  /** Whether the lock could be taken now: nobody holds it, or its holder is stale (dead, or a ghost). */
  isFree(): boolean {
    if (this.held) return false;
    if (!fs.existsSync(this.file)) return true;
    return this.isStale(readLock(this.file));
  }

  /** Take the lock or throw LockedError naming the holder. */
  acquire(): void {
    if (!this.tryAcquire()) throw new LockedError(this.file, readLock(this.file));
  }

  release(): void {
    if (!this.held) return;
    this.drop();
    if (this.isOurs(readLock(this.file))) fs.rmSync(this.file, { force: true });
  }

  /**
   * Re-read the lock: true while it is still ours. A holder calls this before acting on the lock (starting a queued
   * run, launching a trial), since a heartbeat holder whose heartbeat stopped may have been replaced meanwhile.
   */
  confirm(): boolean {
    if (!this.held) return false;
    const holder = readLock(this.file);
    if (this.isOurs(holder)) return true;
    this.drop();
    this.options.heartbeat?.onLost?.(holder);
    return false;
  }

  /** Renew the heartbeat now (when present); false when the lock is no longer ours. */
  renew(): boolean {
    if (!this.confirm()) return false;
    if (this.options.heartbeat?.present() !== false) {
      const now = new Date();
      try {
        fs.utimesSync(this.file, now, now);
      } catch {
        // taken away between confirm() and here: the next renewal or confirm() reports it
      }
    }
    return true;
  }

  /** Run `fn` holding the lock; LockedError when another live process holds it. */
  with<T>(fn: () => T): T {
    this.acquire();
    try {
      return fn();
    } finally {
      this.release();
    }
  }

  private isOurs(holder: LockInfo | null): boolean {
    return holder !== null && holder.pid === process.pid && holder.hostname === os.hostname() && holder.createdAt === this.createdAt;
  }

  private drop(): void {
    this.held = false;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private startHeartbeat(): void {
    const beat = this.options.heartbeat;
    if (!beat) return;
    this.timer = setInterval(() => this.renew(), beat.everyMs);
    this.timer.unref(); // a held lock never keeps a process alive by itself
  }

  private create(): boolean {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
    const staleAfterMs = this.options.heartbeat?.staleAfterMs;
    const info: LockInfo = {
      pid: process.pid,
      hostname: os.hostname(),
      createdAt: uniqueCreatedAt(),
      owner: this.owner,
      ...(staleAfterMs ? { staleAfterMs } : {}),
    };
    try {
      fs.writeSync(fd, JSON.stringify(info));
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(this.file, { force: true }); // an empty lock (disk full) would block others for UNREADABLE_GRACE_MS
      throw e;
    }
    fs.closeSync(fd);
    this.createdAt = info.createdAt;
    return true;
  }

  private isStale(holder: LockInfo | null): boolean {
    if (holder) {
      const local = holder.hostname === os.hostname();
      if (local && holder.pid === process.pid) return false; // this process is present by definition
      if (local && !this.options.isAlive(holder.pid, Date.parse(holder.createdAt))) return true;
      return holder.staleAfterMs !== undefined && this.ageMs() > holder.staleAfterMs;
    }
    return this.ageMs() > UNREADABLE_GRACE_MS;
  }

  /** Milliseconds since the lock file was written or renewed; Infinity when it vanished (simply retry). */
  private ageMs(): number {
    try {
      return Date.now() - fs.statSync(this.file).mtimeMs;
    } catch {
      return Infinity;
    }
  }

  private breakStale(judged: LockInfo | null): void {
    const aside = `${this.file}.stale-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    try {
      fs.renameSync(this.file, aside);
    } catch {
      return; // someone else broke or released it first; retry the acquisition
    }
    const moved = readLock(aside);
    const same =
      judged === null
        ? moved === null || !this.options.isAlive(moved.pid, Date.parse(moved.createdAt))
        : moved !== null && moved.pid === judged.pid && moved.createdAt === judged.createdAt;
    if (!same) {
      try {
        fs.linkSync(aside, this.file); // put the live lock back
      } catch {
        // a third process holds the name now; the lock we moved belonged to a process that will find it gone
      }
    }
    fs.rmSync(aside, { force: true });
  }
}
