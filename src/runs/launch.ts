/**
 * Starting a worker process that outlives whoever started it: detached (its own session and process group, so a
 * closing editor or a Ctrl-C in the CLI's terminal does not reach it, and stop can signal the whole group), stdout
 * and stderr appended to the run's worker.log (a crash trace lands next to the worker's own log lines), stdin
 * closed. One launcher per runtime: the bundled tfjs worker (dist/worker.js) and the PyTorch worker
 * (`python -m mlbtc_torch.worker`); what they run is built by workerInvocation.ts, as a Slurm job's is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { PythonInterpreter } from './python';
import { invocationEnv, workerInvocation, type WorkerInvocation } from './workerInvocation';

export interface LaunchRequest {
  runDir: string;
  /** Continue from the run's last checkpoint. */
  resume: boolean;
  /** Where the worker's stdout and stderr go. */
  logFile: string;
}

/** Starts one worker; throws when it cannot even be spawned (an 'error' event reports later failures). */
export type Launcher = (request: LaunchRequest) => ChildProcess;

/** Spawn a worker invocation detached in the run folder, its output appended to the log file. */
export function spawnDetached(invocation: WorkerInvocation, request: LaunchRequest, inherited: NodeJS.ProcessEnv): ChildProcess {
  const [command, ...args] = invocation.argv;
  const out = fs.openSync(request.logFile, 'a');
  try {
    const child = spawn(command!, args, {
      cwd: request.runDir,
      detached: true,
      stdio: ['ignore', out, out],
      env: invocationEnv(invocation, inherited),
      windowsHide: true,
      shell: false,
    });
    child.unref();
    return child;
  } finally {
    fs.closeSync(out); // the child has its own copy
  }
}

/**
 * Launcher for the bundled worker (dist/worker.js) run by `execPath` (this Node, or Electron's with
 * ELECTRON_RUN_AS_NODE so that it behaves as plain Node). The job is on the command line (`worker.js RUN_DIR
 * [--resume]`), not sent over an IPC channel: a channel would tie the worker to this process, and everything the
 * worker reports is in its run folder anyway.
 */
export function launchDetachedWorker(
  workerPath: string,
  execPath: string = process.execPath,
  extraEnv: () => NodeJS.ProcessEnv = () => ({}),
): Launcher {
  // Running from source (tests, `node --import tsx`): the TypeScript entry needs this process's loader flags.
  const nodeArgs = workerPath.endsWith('.ts') ? process.execArgv : [];
  return (request) =>
    spawnDetached(
      workerInvocation({ runtime: 'tfjs', node: execPath, nodeArgs, worker: workerPath }, request.runDir, request.resume),
      request,
      {
        ...process.env,
        ...extraEnv(),
      },
    );
}

/**
 * Launcher for the PyTorch worker: `<python> -m mlbtc_torch.worker RUN_DIR [--resume]` with `packageDir` (the
 * extension's or checkout's src/pytorch) first on PYTHONPATH. The interpreter is looked up at each launch (the
 * setting may have changed since the run was queued); none found fails the launch with where it looked.
 */
export function launchTorchWorker(python: () => PythonInterpreter | { error: string }, packageDir: string): Launcher {
  return (request) => {
    const found = python();
    if ('error' in found) throw new Error(found.error);
    const program = { runtime: 'torch', python: found.path, packageDir } as const;
    return spawnDetached(workerInvocation(program, request.runDir, request.resume), request, process.env);
  };
}
