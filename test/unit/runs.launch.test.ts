/** The detached launcher: the worker gets the run folder on its command line and the extra environment it is given. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { launchDetachedWorker } from '../../src/runs/launch';

describe('launchDetachedWorker', () => {
  it('passes the run folder and the extra environment (read at launch) to a detached worker writing to the log', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbtc-launch-'));
    const worker = path.join(dir, 'worker.js');
    fs.writeFileSync(
      worker,
      `console.log(JSON.stringify({ args: process.argv.slice(2), packages: process.env.MLBTC_BACKEND_PACKAGES ?? null }));`,
    );
    let folder = '/first';
    const launch = launchDetachedWorker(worker, process.execPath, () => ({ MLBTC_BACKEND_PACKAGES: folder }));
    folder = '/opt/gpu-backends';
    const logFile = path.join(dir, 'worker.log');
    launch({ runDir: dir, resume: true, logFile });
    // The child is detached and unreferenced (it must outlive its launcher), so wait for its output, not its exit.
    const deadline = Date.now() + 20_000;
    while (!fs.readFileSync(logFile, 'utf8').includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(JSON.parse(fs.readFileSync(logFile, 'utf8')), { args: [dir, '--resume'], packages: '/opt/gpu-backends' });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
