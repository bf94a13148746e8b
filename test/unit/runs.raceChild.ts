/**
 * A contender in the run-folder race tests (runs.oneWriter.test.ts), bundled by the test and started many times at
 * once: `node raceChild.js create|claim DIR START_MS`. It waits for the common start moment, then creates the run
 * folder (as `mlbtc train --out` does) or claims it for a worker (as every worker does first), and prints "won" or
 * "refused: <message>". A won claim is held until stdin closes (the test closes it once every contender has
 * answered), so a late contender cannot slip in after a release.
 */
import { createRunFolder } from '../../src/runfolder/runFolder';
import { claimRunFolder } from '../../src/runfolder/workerClaim';
import { tinySpec } from './runs.helpers';

const [mode, dir, start] = process.argv.slice(2);
while (Date.now() < Number(start)) {
  // spin: every contender acts within the same millisecond or so
}
try {
  if (mode === 'create') {
    createRunFolder(dir!, { spec: tinySpec(), sourcePath: '/work/tiny.mlbtc.json', sourceText: '{}', overrides: {} });
    process.stdout.write('won\n');
  } else {
    const claim = claimRunFolder(dir!, true);
    process.stdout.write(claim.refused === undefined ? 'won\n' : `refused: ${claim.refused}\n`);
    if (claim.refused === undefined) {
      process.stdin.resume();
      process.stdin.on('end', () => {
        claim.lock.release();
        process.exit(0);
      });
    }
  }
} catch (e) {
  process.stdout.write(`refused: ${(e as Error).message}\n`);
}
