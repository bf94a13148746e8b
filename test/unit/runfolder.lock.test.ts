/**
 * Lock files (src/runfolder/lock.ts): one holder, stale locks of dead processes taken over, and the heartbeat that
 * tells a live holder from a ghost (a process that lives on with nobody behind it, like an extension host kept
 * after its window disconnected): a ghost's lock is taken over once it stops renewing, and the ghost learns it lost.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileLock, LockedError, readLock, type LockInfo } from '../../src/runfolder/lock';
import { isProcessAlive } from '../../src/runfolder/process';
import { bundle, deadPid, sleep, tempDir } from './runs.helpers';

let work: string;
let holderJs: string;
const children: ChildProcess[] = [];
before(() => {
  work = tempDir('lock');
  holderJs = bundle('test/unit/runfolder.lockHolder.ts', work, 'lock-holder');
});
after(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});

let n = 0;
const fresh = (name: string) => {
  const d = path.join(work, `${name}-${n++}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

/** A lock file as another process on this host would have written it, `ageMs` old. */
function writeForeign(file: string, info: Partial<LockInfo>, ageMs = 0): void {
  fs.writeFileSync(file, JSON.stringify({ pid: 1, hostname: os.hostname(), createdAt: new Date().toISOString(), owner: 'other', ...info }));
  const at = new Date(Date.now() - ageMs);
  fs.utimesSync(file, at, at);
}

/** Start the holder fixture; resolves once it holds the lock, with its output so far (a growing list of lines). */
async function startHolder(file: string, absentFlag: string): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(process.execPath, [holderJs, file, absentFlag], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines: string[] = [];
  child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().trim().split('\n')));
  const deadline = Date.now() + 10_000;
  while (!lines.includes('held')) {
    if (Date.now() > deadline) throw new Error('the holder fixture did not take the lock');
    await sleep(20);
  }
  return { child, lines };
}

describe('FileLock', () => {
  it('admits one holder, also within one process; a second is refused with the holder named; release frees it', () => {
    const file = path.join(fresh('lock'), 'x.lock');
    const a = new FileLock(file, 'manager A', { isAlive: isProcessAlive });
    const b = new FileLock(file, 'manager B', { isAlive: isProcessAlive });
    assert.equal(a.tryAcquire(), true);
    assert.equal(b.tryAcquire(), false, 'not re-entrant across lock objects of one process');
    assert.throws(
      () => b.acquire(),
      (e: Error) => e instanceof LockedError && /held by manager A \(pid \d+/.test(e.message),
    );
    b.release(); // releasing a lock it never held does nothing
    assert.ok(fs.existsSync(file));
    a.release();
    assert.equal(fs.existsSync(file), false);
    assert.equal(b.tryAcquire(), true);
    // Held by another live process (pid 1 always exists).
    b.release();
    fs.writeFileSync(file, JSON.stringify({ pid: 1, hostname: os.hostname(), createdAt: 'now', owner: 'the extension' }));
    assert.throws(() => a.acquire(), /held by the extension \(pid 1 /);
  });

  it('takes over a lock whose owner died, and never deletes a lock it no longer owns', () => {
    const file = path.join(fresh('stale-lock'), 'x.lock');
    fs.writeFileSync(file, JSON.stringify({ pid: deadPid(), hostname: os.hostname(), createdAt: 'then', owner: 'crashed manager' }));
    const lock = new FileLock(file, 'me', { isAlive: isProcessAlive });
    assert.equal(lock.tryAcquire(), true);
    assert.equal(readLock(file)?.pid, process.pid);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['x.lock'], 'the stale lock was removed, not left aside');
    // Someone broke our lock and took it: releasing must not delete theirs.
    fs.writeFileSync(file, JSON.stringify({ pid: 4242, hostname: 'elsewhere', createdAt: 'now', owner: 'other' }));
    lock.release();
    assert.equal(readLock(file)?.owner, 'other');
    // Nor a lock of this very process written by another lock object after ours was taken away.
    const mine = new FileLock(file, 'me', { isAlive: isProcessAlive });
    fs.rmSync(file);
    assert.equal(mine.tryAcquire(), true);
    fs.rmSync(file);
    const later = new FileLock(file, 'a later holder here', { isAlive: isProcessAlive });
    assert.equal(later.tryAcquire(), true);
    mine.release();
    assert.equal(readLock(file)?.owner, 'a later holder here');
  });

  it('respects a lock from another host and an unreadable lock that is still being written', () => {
    const file = path.join(fresh('foreign'), 'x.lock');
    fs.writeFileSync(file, JSON.stringify({ pid: deadPid(), hostname: 'another-host', createdAt: 'now', owner: 'remote' }));
    assert.equal(new FileLock(file, 'me', { isAlive: isProcessAlive }).tryAcquire(), false);
    fs.writeFileSync(file, '');
    assert.equal(new FileLock(file, 'me', { isAlive: isProcessAlive }).tryAcquire(), false);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    assert.equal(new FileLock(file, 'me', { isAlive: isProcessAlive }).tryAcquire(), true);
  });

  it('with() releases on error', () => {
    const file = path.join(fresh('with'), 'x.lock');
    const lock = new FileLock(file, 'me', { isAlive: isProcessAlive });
    assert.throws(
      () =>
        lock.with(() => {
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(fs.existsSync(file), false);
  });
});

describe('FileLock heartbeat', () => {
  it('judges a live holder by its renewals when it keeps a heartbeat, on this host and on others', () => {
    const file = path.join(fresh('beat'), 'x.lock');
    const me = () => new FileLock(file, 'me', { isAlive: isProcessAlive });
    writeForeign(file, { staleAfterMs: 1_000 }, 200); // pid 1 lives and renewed 0.2 s ago
    assert.equal(me().isFree(), false);
    assert.equal(me().tryAcquire(), false);
    writeForeign(file, { staleAfterMs: 1_000 }, 5_000); // alive, but not renewed for 5 s: a ghost
    assert.equal(me().isFree(), true);
    const taker = me();
    assert.equal(taker.tryAcquire(), true);
    assert.equal(readLock(file)?.pid, process.pid);
    taker.release();
    writeForeign(file, { hostname: 'another-host', staleAfterMs: 1_000 }, 5_000);
    assert.equal(me().tryAcquire(), true, 'a heartbeat is visible from any host');
    fs.rmSync(file);
    writeForeign(file, {}, 600_000); // no heartbeat recorded: an old live holder is still a holder
    assert.equal(me().tryAcquire(), false);
  });

  it('records its heartbeat, renews the mtime only while present, and reports a lock another process took', () => {
    const file = path.join(fresh('renew'), 'x.lock');
    let present = true;
    const lost: (LockInfo | null)[] = [];
    const lock = new FileLock(file, 'window', {
      isAlive: isProcessAlive,
      heartbeat: { everyMs: 60_000, staleAfterMs: 3_000, present: () => present, onLost: (by) => lost.push(by) },
    });
    assert.equal(lock.tryAcquire(), true);
    assert.equal(readLock(file)?.staleAfterMs, 3_000);
    const old = new Date(Date.now() - 10_000);
    fs.utimesSync(file, old, old);
    present = false;
    assert.equal(lock.renew(), true, 'still ours');
    assert.ok(Date.now() - fs.statSync(file).mtimeMs > 9_000, 'not renewed while absent');
    present = true;
    assert.equal(lock.renew(), true);
    assert.ok(Date.now() - fs.statSync(file).mtimeMs < 2_000, 'renewed while present');
    assert.equal(lost.length, 0);
    writeForeign(file, { pid: 1, owner: 'the window that took over' });
    assert.equal(lock.confirm(), false);
    assert.equal(lock.isHeld, false);
    assert.equal(lost[0]?.owner, 'the window that took over');
    lock.release();
    assert.equal(readLock(file)?.owner, 'the window that took over', 'the new holder keeps its lock');
  });

  it('a ghost process (alive, no longer renewing) is replaced, and finds out at its next renewal', async () => {
    const dir = fresh('ghost');
    const file = path.join(dir, 'x.lock');
    const absent = path.join(dir, 'window-gone');
    const { child, lines } = await startHolder(file, absent);
    const me = new FileLock(file, 'the new window', { isAlive: isProcessAlive });
    await sleep(800); // twice its staleAfterMs: renewed all along, so still held
    assert.equal(me.tryAcquire(), false, 'a present holder keeps its lock');
    fs.writeFileSync(absent, ''); // its window goes away; the process lives on
    const deadline = Date.now() + 10_000;
    while (!me.tryAcquire()) {
      assert.ok(Date.now() < deadline, 'the ghost lock was never taken over');
      await sleep(50);
    }
    assert.ok(isProcessAlive(child.pid!), 'taken over from a live process');
    const lostBy = Date.now() + 5_000;
    while (!lines.includes(`lost ${process.pid}`)) {
      assert.ok(Date.now() < lostBy, `the ghost never noticed: ${JSON.stringify(lines)}`);
      await sleep(20);
    }
    assert.equal(readLock(file)?.pid, process.pid, 'and it left the new holder alone');
    me.release();
  });
});
