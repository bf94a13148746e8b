/**
 * A process that holds a heartbeat lock, for runfolder.lock.test.ts: `node lockHolder.js LOCK ABSENT_FLAG`. It
 * renews the lock while the file ABSENT_FLAG does not exist (as a window renews while it answers) and prints one line
 * per event: "held", then "lost <pid>" when a renewal finds that another process took the lock. It runs until killed,
 * like an extension host that outlives its window.
 */
import * as fs from 'node:fs';
import { FileLock } from '../../src/runfolder/lock';
import { isProcessAliveSince } from '../../src/runfolder/process';

const [file, absentFlag] = process.argv.slice(2) as [string, string];
const lock = new FileLock(file, 'lock holder fixture', {
  isAlive: isProcessAliveSince,
  heartbeat: {
    everyMs: 50,
    staleAfterMs: 400,
    present: () => !fs.existsSync(absentFlag),
    onLost: (by) => process.stdout.write(`lost ${by?.pid ?? 'none'}\n`),
  },
});
lock.acquire();
process.stdout.write('held\n');
setInterval(() => {}, 1000); // the heartbeat timer is unref'd: keep the process alive, as an extension host is
