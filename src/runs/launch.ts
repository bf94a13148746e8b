/**
 * Starting a worker process that outlives whoever started it: detached (its own session and process group, so a
 * closing editor or a Ctrl-C in the CLI's terminal does not reach it, and stop can signal the whole group), stdout
 * and stderr appended to the run's worker.log (a crash trace lands next to the worker's own log lines), stdin
 * closed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { StartMessage } from '../protocol/worker';

export interface LaunchRequest {
  runDir: string;
  /** Continue from the run's last checkpoint. */
  resume: boolean;
  /** Where the worker's stdout and stderr go. */
  logFile: string;
}

export interface Launched {
  child: ChildProcess;
  /** Settles once the job has been handed to the worker; a short-lived manager waits for it before exiting. */
  delivered: Promise<void>;
}

/** Starts one worker; throws when it cannot even be spawned (an 'error' event reports later failures). */
export type Launcher = (request: LaunchRequest) => Launched;

/**
 * Launcher for the bundled worker (dist/worker.js) run by `execPath` (this Node or Electron's, with
 * ELECTRON_RUN_AS_NODE so Electron behaves as plain Node). The job is sent as the protocol's start message over an
 * IPC channel; the channel is unref'd so it never keeps the manager's process alive, and when the manager exits the
 * worker simply loses its live feed: everything it does is in the run folder.
 */
export function launchDetachedWorker(workerPath: string, execPath: string = process.execPath): Launcher {
  return ({ runDir, resume, logFile }) => {
    const out = fs.openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(execPath, [workerPath], {
        cwd: runDir,
        detached: true,
        stdio: ['ignore', out, out, 'ipc'],
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        windowsHide: true,
      });
    } finally {
      fs.closeSync(out); // the child has its own copy
    }
    const start: StartMessage = { type: 'start', runDir, ...(resume ? { resume: true } : {}) };
    const delivered = new Promise<void>((resolve) => {
      if (child.pid === undefined) return resolve(); // spawn failed: the 'error' event says why
      child.send(start, () => resolve());
    });
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    return { child, delivered };
  };
}
