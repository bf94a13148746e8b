/**
 * `mlbtc stop ID`: stop a run (SIGTERM: the worker saves a checkpoint and ends "cancelled"; its process group is
 * killed if it has not stopped after --timeout), or a whole search (its controller, then its active trials).
 */
import { RunManager } from '../runs/manager';
import { cliSlurmExecutor } from './slurm';
import { isProcessAlive } from '../runfolder/process';
import { readLock } from '../runfolder/lock';
import { controllerLockOwner, SearchController } from '../runs/search/controller';
import { searchControl } from '../runs/search/searchControl';
import { SearchFiles, searchDir } from '../runs/search/searchFolder';
import { clearSearchStop, requestSearchStop } from '../runs/search/searchStop';
import * as path from 'node:path';
import { Exit, UsageError, type CliCommand } from './command';
import { resolveTarget } from './resume';
import { RUNS_OPTION_HELP, runsDirOf } from './runs';
import { SEARCH_CONTROLLER_OWNER } from './search';

export const command: CliCommand = {
  usage: 'mlbtc stop ID [--timeout SECONDS] [--runs DIR]',
  help: `Stops the run ID (or an unambiguous prefix of it): the worker finishes its step, saves a checkpoint and ends
"cancelled", resumable with \`mlbtc resume ID\`. A worker that has not stopped after the timeout is killed with
its whole process group (the run is still resumable from its last checkpoint). A queued run is cancelled at
once.

ID may also name a search: its controller is stopped first (so it launches nothing more; one an editor window
drives is asked through the search folder), then each of its active trials as above; continue it with
\`mlbtc resume ID\`.

  --timeout S   seconds to wait after SIGTERM before killing (default 15)
${RUNS_OPTION_HELP}

Exit status: 0 stopped (or already ended), 1 unknown ID, 2 bad command line.`,
  options: { timeout: { type: 'string' }, runs: { type: 'string' } },
  async run({ positionals, values }, io) {
    if (positionals.length !== 1) throw new UsageError('give one run or search ID');
    const timeout = values.timeout === undefined ? 15 : Number(values.timeout);
    if (!Number.isFinite(timeout) || timeout < 0)
      throw new UsageError(`--timeout must be a number of seconds ≥ 0 (got "${String(values.timeout)}")`);
    const manager = new RunManager({ runsDir: runsDirOf(values, io), queue: 'never', owner: 'mlbtc stop', slurm: cliSlurmExecutor() });
    const target = resolveTarget(manager, positionals[0]!);
    if ('error' in target) {
      io.stderr(`mlbtc stop: ${target.error}\n`);
      return Exit.invalid;
    }
    if (target.kind === 'run') {
      const before = target.run.state;
      const run = await manager.stop(target.run.id, timeout * 1000);
      io.stdout(
        before === run.state
          ? `${run.id} is ${run.state}; nothing to stop.\n`
          : `${run.id}: ${run.state} at step ${run.status?.step ?? '?'} (${run.status?.exitReason ?? ''})\n`,
      );
      return Exit.ok;
    }
    // A search: its controller first, so it does not launch replacements for the trials stopped below.
    const lockFile = path.join(searchDir(manager.store.root, target.id), SearchFiles.lock);
    const holder = readLock(lockFile);
    // A dead or ghost controller (searchControl.ts) is simply replaced below; a live one is asked or signalled first.
    if (holder && searchControl(manager.store.root, target.id).kind === 'driven') {
      // Only a CLI controller is ours to signal: the holder may be an editor window's extension host, which a
      // SIGTERM would take down with everything else it runs. That one is asked through the search folder.
      if (holder.owner !== controllerLockOwner(SEARCH_CONTROLLER_OWNER)) {
        if (!(await stopThroughFolder(lockFile, manager.store.root, target.id, holder.pid, timeout * 1000))) {
          io.stderr(
            `mlbtc stop: search ${target.id} is driven by ${holder.owner} (pid ${holder.pid}), which did not answer the stop request ` +
              `within ${timeout} s; stop it there (in VS Code: MLBTC: Stop Run on the search).\n`,
          );
          return Exit.invalid;
        }
        io.stdout(`the controller of search ${target.id} (${holder.owner}) let go\n`);
      } else {
        process.kill(holder.pid, 'SIGTERM');
        const deadline = Date.now() + timeout * 1000;
        while (isProcessAlive(holder.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        io.stdout(`stopped the controller of search ${target.id} (pid ${holder.pid})\n`);
      }
    }
    const controller = new SearchController(manager, target.id, { owner: 'mlbtc stop' });
    try {
      controller.acquire();
    } catch (e) {
      io.stderr(`mlbtc stop: ${(e as Error).message}\n`);
      return Exit.invalid;
    }
    clearSearchStop(manager.store.root, target.id);
    try {
      const stopped = await controller.pause(timeout * 1000);
      for (const run of stopped) io.stdout(`${run.id}: ${run.state} at step ${run.status?.step ?? '?'}\n`);
      io.stdout(
        `search ${target.id} stopped (${stopped.length} active trial${stopped.length === 1 ? '' : 's'} stopped); continue it with \`mlbtc resume ${target.id}\`.\n`,
      );
    } finally {
      controller.release();
    }
    return Exit.ok;
  },
};

/** Ask the search's controller to stop (searchStop.ts) and wait until its lock is free; false when it is not in time. */
async function stopThroughFolder(lockFile: string, root: string, id: string, pid: number, timeoutMs: number): Promise<boolean> {
  requestSearchStop(root, id, 'mlbtc stop');
  const deadline = Date.now() + timeoutMs;
  const held = () => readLock(lockFile)?.pid === pid && isProcessAlive(pid);
  while (held() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (held()) {
    clearSearchStop(root, id);
    return false;
  }
  return true;
}
