/**
 * A window that is gone while its extension host lives on (code-server keeps it for minutes after the browser
 * vanished), for the takeover tests: `node --import tsx ghostWindow.ts RUNS [SEARCH_ID]`. Like a window, it owns the
 * run queue if it can and drives the search if one is named, but its presence never answers, so it renews neither
 * lock. It prints one line per event ("queue owner", "queue lost", "driving", "launched N", "end <reason> <pid of the
 * new holder>") and lives on until killed.
 */
import { RunManager } from '../../src/runs/manager';
import { SearchController } from '../../src/runs/search/controller';

const [root, searchId] = process.argv.slice(2) as [string, string | undefined];
const say = (line: string) => process.stdout.write(`${line}\n`);
// Present while it takes its locks (its window was there when it opened), gone from then on.
let here = true;
const gone = { present: () => here, heartbeat: { everyMs: 50, staleAfterMs: 500 } };

const manager = new RunManager({ runsDir: root, owner: 'ghost window', pollMs: 50, ...gone });
manager.onEvent((e) => e.type === 'queue' && say(e.owner ? 'queue owner' : 'queue lost'));
manager.open();

if (searchId) {
  const controller = new SearchController(manager, searchId, {
    owner: 'ghost window',
    maxConcurrent: 1,
    onEvent: (e) => e.type === 'launched' && say(`launched ${e.trial}`),
    ...gone,
  });
  controller.acquire();
  say('driving');
  here = false;
  void controller
    .run(() => false, 50)
    .then((end) => {
      say(`end ${end} ${controller.takenOverBy?.pid ?? 'none'}`);
      controller.release();
    });
}
here = false;
setInterval(() => {}, 1000);
