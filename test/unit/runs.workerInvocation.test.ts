/**
 * One builder of the command that runs a runtime's worker on a run folder (runs/workerInvocation.ts): its argv and
 * environment for each runtime, and the same command line, environment included, from both callers: a local launch
 * (launch.ts) and a Slurm job's script (slurm/workerCommand.ts through jobScript.ts, run here by bash).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { RunFiles } from '../../src/protocol/run';
import { launchDetachedWorker, launchTorchWorker, type Launcher } from '../../src/runs/launch';
import type { RuntimeName } from '../../src/runs/runtime';
import { SlurmExecutor } from '../../src/runs/slurm/executor';
import { JOB_RUN_DIR } from '../../src/runs/slurm/jobScript';
import { workerCommand } from '../../src/runs/slurm/workerCommand';
import { invocationEnv, workerInvocation } from '../../src/runs/workerInvocation';
import { tempDir, tinySpec } from './runs.helpers';

const work = tempDir('worker-invocation');
after(() => fs.rmSync(work, { recursive: true, force: true }));

const TFJS = { runtime: 'tfjs', node: '/usr/bin/node', nodeArgs: ['--import', 'tsx'], worker: '/opt/dist/worker.js' } as const;
const TORCH = { runtime: 'torch', python: '/venv/bin/python', packageDir: '/opt/src/pytorch' } as const;

describe('the worker invocation', () => {
  it('is `<node> [loader] <worker.js> RUN_DIR [--resume]` for tfjs, with ELECTRON_RUN_AS_NODE', () => {
    assert.deepEqual(workerInvocation(TFJS, "/runs/a b 'c' $(x)", true), {
      argv: ['/usr/bin/node', '--import', 'tsx', '/opt/dist/worker.js', "/runs/a b 'c' $(x)", '--resume'],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    assert.deepEqual(workerInvocation({ ...TFJS, nodeArgs: [] }, '/r', false).argv, ['/usr/bin/node', '/opt/dist/worker.js', '/r']);
  });

  it('is `<python> -m mlbtc_torch.worker RUN_DIR [--resume]` for torch, unbuffered, with the package on PYTHONPATH', () => {
    assert.deepEqual(workerInvocation(TORCH, '/r', false), {
      argv: ['/venv/bin/python', '-m', 'mlbtc_torch.worker', '/r'],
      env: { PYTHONUNBUFFERED: '1' },
      pythonPath: '/opt/src/pytorch',
    });
    assert.deepEqual(workerInvocation(TORCH, '/r', true).argv.slice(-2), ['/r', '--resume']);
  });

  it('puts the package ahead of an inherited PYTHONPATH', () => {
    const env = invocationEnv(workerInvocation(TORCH, '/r', false), { PYTHONPATH: '/site', HOME: '/h' });
    assert.deepEqual(env, { PYTHONPATH: `/opt/src/pytorch${path.delimiter}/site`, HOME: '/h', PYTHONUNBUFFERED: '1' });
    assert.deepEqual(invocationEnv(workerInvocation(TFJS, '/r', false), { HOME: '/h' }), { HOME: '/h', ELECTRON_RUN_AS_NODE: '1' });
  });

  it("is a Slurm job's worker on the script's RUN_DIR, always resumed, with the node's programs", () => {
    const paths = { tfjsWorker: '/opt/dist/worker.js', nodeArgs: ['--import', 'tsx'], pytorchPath: '/opt/src/pytorch' };
    assert.deepEqual(workerCommand('tfjs', {}, paths), workerInvocation({ ...TFJS, node: 'node' }, JOB_RUN_DIR, true));
    assert.deepEqual(workerCommand('torch', { python: '/venv/bin/python' }, paths), workerInvocation(TORCH, JOB_RUN_DIR, true));
    assert.equal(workerCommand('torch', {}, paths).argv[0], 'python3');
  });
});

describe('a local launch and a Slurm job', () => {
  // A stand-in for node and for python that writes its arguments and the variables the builder sets, one a line.
  const recorder = path.join(work, 'record.sh');
  fs.writeFileSync(
    recorder,
    '#!/bin/bash\n{ printf "%s\\n" "$@"\n' +
      '  for v in PYTHONPATH PYTHONUNBUFFERED ELECTRON_RUN_AS_NODE; do echo "$v=${!v-}"; done\n} > recorded\n',
    { mode: 0o755 },
  );
  const paths = { tfjsWorker: '/opt/dist/worker.js', pytorchPath: '/opt/src/pytorch' };
  const slurm = new SlurmExecutor({ settings: () => ({ node: recorder, python: recorder }), workerPaths: paths });
  const local: Record<RuntimeName, Launcher> = {
    tfjs: launchDetachedWorker(paths.tfjsWorker, recorder),
    torch: launchTorchWorker(() => ({ path: recorder, source: 'environment', how: 'MLBTC_PYTHON' }), paths.pytorchPath),
  };
  const expected: Record<RuntimeName, (dir: string) => string[]> = {
    tfjs: (dir) => ['/opt/dist/worker.js', dir, '--resume', 'PYTHONPATH=/site', 'PYTHONUNBUFFERED=', 'ELECTRON_RUN_AS_NODE=1'],
    torch: (dir) => [
      '-m',
      'mlbtc_torch.worker',
      dir,
      '--resume',
      'PYTHONPATH=/opt/src/pytorch:/site',
      'PYTHONUNBUFFERED=1',
      'ELECTRON_RUN_AS_NODE=',
    ],
  };

  async function recorded(dir: string): Promise<string[]> {
    const file = path.join(dir, 'recorded');
    const deadline = Date.now() + 20_000;
    while (!(fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('ELECTRON_RUN_AS_NODE=')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    return fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
  }

  for (const runtime of ['tfjs', 'torch'] as const) {
    it(`run the same ${runtime} worker command line with the same environment`, async () => {
      const inherited = { PYTHONPATH: process.env.PYTHONPATH, PYTHONUNBUFFERED: process.env.PYTHONUNBUFFERED };
      const electron = process.env.ELECTRON_RUN_AS_NODE;
      Object.assign(process.env, { PYTHONPATH: '/site' });
      delete process.env.PYTHONUNBUFFERED;
      delete process.env.ELECTRON_RUN_AS_NODE;
      try {
        const localDir = path.join(work, `${runtime} local "run" $(x)`);
        fs.mkdirSync(localDir);
        local[runtime]({ runDir: localDir, resume: true, logFile: path.join(localDir, RunFiles.log) });
        assert.deepEqual(await recorded(localDir), expected[runtime](localDir));

        const jobDir = path.join(work, `${runtime} slurm 'run'`);
        fs.mkdirSync(jobDir);
        const { script } = slurm.script([{ dir: jobDir, spec: tinySpec({ runtime }) }]);
        execFileSync('bash', ['-c', script], { env: { ...process.env, SLURM_JOB_ID: '7' } });
        assert.deepEqual(await recorded(jobDir), expected[runtime](jobDir));
      } finally {
        for (const [key, value] of Object.entries({ ...inherited, ELECTRON_RUN_AS_NODE: electron }))
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
      }
    });
  }
});
