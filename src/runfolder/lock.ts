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
 *   dead, and so does a process that started after the lock was written, i.e. a stranger that reused the pid), or when its content cannot be read and the file is older than UNREADABLE_GRACE_MS (a creator that died
 *   between create and write). A lock from another host is never judged stale: we cannot see its processes.
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
}

export class FileLock {
  private held = false;

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
      if (this.create()) return (this.held = true);
      // Not re-entrant: a lock naming this process is held by another FileLock object here (another manager in the
      // same process), which must exclude us like any other holder.
      const holder = readLock(this.file);
      if (!this.isStale(holder)) return false;
      this.breakStale(holder);
    }
    return false;
  }

  /** Take the lock or throw LockedError naming the holder. */
  acquire(): void {
    if (!this.tryAcquire()) throw new LockedError(this.file, readLock(this.file));
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    const holder = readLock(this.file);
    if (holder && holder.pid === process.pid && holder.hostname === os.hostname()) fs.rmSync(this.file, { force: true });
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

  private create(): boolean {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
    const info: LockInfo = { pid: process.pid, hostname: os.hostname(), createdAt: new Date().toISOString(), owner: this.owner };
    try {
      fs.writeSync(fd, JSON.stringify(info));
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(this.file, { force: true }); // an empty lock (disk full) would block others for UNREADABLE_GRACE_MS
      throw e;
    }
    fs.closeSync(fd);
    return true;
  }

  private isStale(holder: LockInfo | null): boolean {
    if (holder) {
      return (
        holder.hostname === os.hostname() && holder.pid !== process.pid && !this.options.isAlive(holder.pid, Date.parse(holder.createdAt))
      );
    }
    try {
      return Date.now() - fs.statSync(this.file).mtimeMs > UNREADABLE_GRACE_MS;
    } catch {
      return true; // vanished between create() and now: simply retry
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
