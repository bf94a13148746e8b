/**
 * Starting a worker process that outlives whoever started it: detached (its own session and process group, so a
 * closing editor or a Ctrl-C in the CLI's terminal does not reach it, and stop can signal the whole group), stdout
 * and stderr appended to the run's worker.log (a crash trace lands next to the worker's own log lines), stdin
 * closed. One launcher per runtime: the bundled tfjs worker (dist/worker.js) and the PyTorch worker
 * (`python -m mlbtc_torch.worker`); both take the job on the command line, `RUN_DIR [--resume]`, as an argv array
 * (never a shell string, so a run folder named with quotes or `$(…)` stays one argument).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { withPythonPath, type PythonInterpreter } from './python';

export interface LaunchRequest {
  runDir: string;
  /** Continue from the run's last checkpoint. */
  resume: boolean;
  /** Where the worker's stdout and stderr go. */
  logFile: string;
}

/** Starts one worker; throws when it cannot even be spawned (an 'error' event reports later failures). */
export type Launcher = (request: LaunchRequest) => ChildProcess;

/** The worker's arguments after the program: the job, the same for both runtimes. */
export function workerArgs(runDir: string, resume: boolean): string[] {
  return [runDir, ...(resume ? ['--resume'] : [])];
}

/** Spawn `command args` detached in the run folder, its output appended to the log file. */
export function spawnDetached(command: string, args: readonly string[], request: LaunchRequest, env: NodeJS.ProcessEnv): ChildProcess {
  const out = fs.openSync(request.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: request.runDir,
      detached: true,
      stdio: ['ignore', out, out],
      env,
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
  const loader = workerPath.endsWith('.ts') ? process.execArgv : [];
  return (request) =>
    spawnDetached(execPath, [...loader, workerPath, ...workerArgs(request.runDir, request.resume)], request, {
      ...process.env,
      ...extraEnv(),
      ELECTRON_RUN_AS_NODE: '1',
    });
}

/** The PyTorch worker's argv after the interpreter. */
export function torchWorkerArgs(runDir: string, resume: boolean): string[] {
  return ['-m', 'mlbtc_torch.worker', ...workerArgs(runDir, resume)];
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
    // Unbuffered, so worker.log shows a crash's last lines even when the process is killed.
    return spawnDetached(found.path, torchWorkerArgs(request.runDir, request.resume), request, {
      ...withPythonPath(process.env, packageDir),
      PYTHONUNBUFFERED: '1',
    });
  };
}
