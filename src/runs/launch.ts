/**
 * Starting a worker process that outlives whoever started it: detached (its own session and process group, so a
 * closing editor or a Ctrl-C in the CLI's terminal does not reach it, and stop can signal the whole group), stdout
 * and stderr appended to the run's worker.log (a crash trace lands next to the worker's own log lines), stdin
 * closed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

export interface LaunchRequest {
  runDir: string;
  /** Continue from the run's last checkpoint. */
  resume: boolean;
  /** Where the worker's stdout and stderr go. */
  logFile: string;
}

/** Starts one worker; throws when it cannot even be spawned (an 'error' event reports later failures). */
export type Launcher = (request: LaunchRequest) => ChildProcess;

/**
 * Launcher for the bundled worker (dist/worker.js) run by `execPath` (this Node, or Electron's with
 * ELECTRON_RUN_AS_NODE so that it behaves as plain Node). The job is on the command line (`worker.js RUN_DIR
 * [--resume]`), not sent over an IPC channel: a channel would tie the worker to this process, and everything the
 * worker reports is in its run folder anyway.
 */
export function launchDetachedWorker(workerPath: string, execPath: string = process.execPath, extraEnv: () => NodeJS.ProcessEnv = () => ({})): Launcher {
  // Running from source (tests, `node --import tsx`): the TypeScript entry needs this process's loader flags.
  const loader = workerPath.endsWith('.ts') ? process.execArgv : [];
  return ({ runDir, resume, logFile }) => {
    const out = fs.openSync(logFile, 'a');
    try {
      const child = spawn(execPath, [...loader, workerPath, runDir, ...(resume ? ['--resume'] : [])], {
        cwd: runDir,
        detached: true,
        stdio: ['ignore', out, out],
        env: { ...process.env, ...extraEnv(), ELECTRON_RUN_AS_NODE: '1' },
        windowsHide: true,
      });
      child.unref();
      return child;
    } finally {
      fs.closeSync(out); // the child has its own copy
    }
  };
}
