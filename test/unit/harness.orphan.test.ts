/**
 * The harness never outlives whoever started it: a process using onCleanup whose parent is killed without passing a
 * signal on (npm stopped while its `sh -c` keeps our process) runs its cleanups and exits.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, it } from 'node:test';
import { repoRoot, tempDir } from './runs.helpers';

const work = tempDir('orphan');
after(() => fs.rmSync(work, { recursive: true, force: true }));

it('runs the cleanups when the parent dies without a signal to us', async () => {
  const marker = path.join(work, 'cleaned');
  const child = path.join(work, 'child.ts');
  fs.writeFileSync(
    child,
    `import { writeFileSync } from 'node:fs';
import { onCleanup } from ${JSON.stringify(path.join(repoRoot, 'scripts', 'harness', 'processes.ts'))};
onCleanup(() => writeFileSync(${JSON.stringify(marker)}, 'yes'));
writeFileSync(${JSON.stringify(`${marker}.ready`)}, String(process.pid));
setInterval(() => {}, 1000);
`,
  );
  // The parent: starts the child, then waits; it is SIGKILLed, as npm's shell would die, without passing anything on.
  const parent = spawn(
    process.execPath,
    [
      '-e',
      `require('child_process').spawn(process.execPath, ['--import', 'tsx', ${JSON.stringify(child)}], { stdio: 'ignore', cwd: ${JSON.stringify(repoRoot)} }); setInterval(() => {}, 1000);`,
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(`${marker}.ready`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const childPid = Number(fs.readFileSync(`${marker}.ready`, 'utf8'));
  parent.kill('SIGKILL');
  while (!fs.existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(fs.existsSync(marker) && fs.readFileSync(marker, 'utf8'), 'yes', 'the cleanup ran');
  while (Date.now() < deadline) {
    try {
      process.kill(childPid, 0);
    } catch {
      return; // exited
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(childPid, 'SIGKILL');
  assert.fail('the orphaned harness process did not exit');
});
