/**
 * Starting the PyTorch worker: its argv (a run folder whose name has spaces, quotes or `$(…)` stays one argument),
 * PYTHONPATH, the log; the manager picking the launcher from the run's recorded runtime; status.json's runtime
 * field read from folders that have it and from older ones that do not.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { initialStatus, parseStatus, RunFiles } from '../../src/protocol/run';
import { readStatus } from '../../src/runfolder/runFolder';
import { launchTorchWorker, type Launcher, type LaunchRequest } from '../../src/runs/launch';
import { RunManager } from '../../src/runs/manager';
import { findPython } from '../../src/runs/python';
import { recordRuntime } from '../../src/runs/runtime';
import { workerInvocation } from '../../src/runs/workerInvocation';
import { newRun, tempDir, tinySpec } from './runs.helpers';

const work = tempDir('torch-launch');
after(() => fs.rmSync(work, { recursive: true, force: true }));

const hostile = `a b "c" 'd' $(touch pwned) \`touch pwned2\`; echo x`;

describe('the PyTorch launcher', () => {
  it('builds `-m mlbtc_torch.worker RUN_DIR [--resume]` with the run folder as one argument', () => {
    const torch = { runtime: 'torch', python: 'py', packageDir: '/pkg' } as const;
    assert.deepEqual(workerInvocation(torch, `/runs/${hostile}`, false).argv, ['py', '-m', 'mlbtc_torch.worker', `/runs/${hostile}`]);
    assert.deepEqual(workerInvocation(torch, '/r', true).argv, ['py', '-m', 'mlbtc_torch.worker', '/r', '--resume']);
  });

  const python = findPython({}).found?.path;
  it(
    'runs the interpreter it finds at launch, with the package on PYTHONPATH, detached, output to the log',
    { skip: python ? false : 'no python3 on PATH' },
    async () => {
      // A stand-in mlbtc_torch.worker that reports what it was started with.
      const pkg = path.join(work, 'pkg');
      fs.mkdirSync(path.join(pkg, 'mlbtc_torch'), { recursive: true });
      fs.writeFileSync(path.join(pkg, 'mlbtc_torch', '__init__.py'), '');
      fs.writeFileSync(
        path.join(pkg, 'mlbtc_torch', 'worker.py'),
        'import json, os, sys\nprint(json.dumps({"args": sys.argv[1:], "path": os.environ["PYTHONPATH"].split(os.pathsep)[0], "cwd": os.getcwd()}))\n',
      );
      const runDir = path.join(work, hostile);
      fs.mkdirSync(runDir);
      const logFile = path.join(runDir, RunFiles.log);
      let chosen = '/not/yet/chosen';
      const launch = launchTorchWorker(() => ({ path: chosen, source: 'environment', how: 'MLBTC_PYTHON' }), pkg);
      chosen = python!;
      launch({ runDir, resume: true, logFile });
      // The child is detached and unreferenced (it must outlive its launcher), so wait for its output, not its exit.
      const deadline = Date.now() + 20_000;
      while (!(fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes('\n')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(JSON.parse(fs.readFileSync(logFile, 'utf8')), {
        args: [runDir, '--resume'],
        path: pkg,
        cwd: fs.realpathSync(runDir),
      });
      assert.deepEqual(
        [...fs.readdirSync(work), ...fs.readdirSync(runDir)].filter((f) => f.startsWith('pwned')),
        [],
        'nothing in the name was run by a shell',
      );
    },
  );

  it('fails the launch with where it looked when no Python is found', () => {
    const launch = launchTorchWorker(
      () => ({ error: 'no Python was found for the PyTorch worker (looked at MLBTC_PYTHON: not set)' }),
      '/pkg',
    );
    assert.throws(() => launch({ runDir: work, resume: false, logFile: path.join(work, 'x.log') }), /looked at MLBTC_PYTHON: not set/);
  });
});

describe('the run manager and runtimes', () => {
  /** A launcher that records its requests and starts a process that exits at once. */
  function recording(): { launcher: Launcher; requests: LaunchRequest[] } {
    const requests: LaunchRequest[] = [];
    return { requests, launcher: (r) => (requests.push(r), spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })) };
  }

  async function startOne(runtime: 'torch' | 'tfjs' | 'auto', withTorch: boolean) {
    const root = path.join(work, `runs-${runtime}-${withTorch}`);
    const tfjs = recording();
    const torch = recording();
    const manager = new RunManager({
      runsDir: root,
      launcher: tfjs.launcher,
      ...(withTorch ? { torchLauncher: torch.launcher } : {}),
      watch: false,
      pollMs: 20,
    }).open();
    try {
      const spec = tinySpec();
      const run = manager.enqueue(newRun(runtime === 'auto' ? spec : recordRuntime(spec, {}, runtime).spec));
      await manager.waitFor(run.id, (r) => r.state === 'failed', 10_000);
      return { tfjs: tfjs.requests.length, torch: torch.requests.length, reason: readStatus(run.dir).status?.exitReason ?? '' };
    } finally {
      manager.close();
    }
  }

  it('starts a run recorded as torch with the torch launcher, and others with the tfjs one', async () => {
    assert.deepEqual(await startOne('torch', true).then((r) => [r.tfjs, r.torch]), [0, 1]);
    assert.deepEqual(await startOne('tfjs', true).then((r) => [r.tfjs, r.torch]), [1, 0]);
    // A folder from before runtimes were recorded (or one still saying "auto") is a tfjs run.
    assert.deepEqual(await startOne('auto', true).then((r) => [r.tfjs, r.torch]), [1, 0]);
  });

  it('fails a torch run, saying why, when the manager has no torch launcher', async () => {
    const r = await startOne('torch', false);
    assert.equal(r.tfjs, 0);
    assert.match(
      r.reason,
      /could not start the worker: the run's training\.runtime is "torch", and its run manager \(pid \d+\) cannot start PyTorch workers/,
    );
  });
});

describe('status.json runtime', () => {
  const base = initialStatus(10);
  it('is null in a new status, kept when written, and null when an older folder has none', () => {
    assert.equal(base.runtime, null);
    assert.equal(
      parseStatus(JSON.stringify({ ...base, runtime: 'torch 2.13.0 · cpu · fp32' }), 's').status?.runtime,
      'torch 2.13.0 · cpu · fp32',
    );
    const { runtime: _absent, ...older } = base;
    const read = parseStatus(JSON.stringify(older), 's');
    assert.equal(read.problem, undefined);
    assert.equal(read.status?.runtime, null);
  });

  it('rejects a runtime that is not a string', () => {
    assert.match(parseStatus(JSON.stringify({ ...base, runtime: 3 }), 's').problem!, /"runtime" should be a string or null \(got 3\)/);
  });
});
