/**
 * `mlbtc resume ID`: continue an interrupted, cancelled or failed run from its last checkpoint (detached: it keeps
 * training after this command returns), or a search whose controller stopped (in the foreground, like
 * `mlbtc search`).
 */
import { launchState } from '../runs/launchMarker';
import { RunManager } from '../runs/manager';
import { cliSlurmExecutor } from './slurm';
import { jobKey, readJobFile } from '../runs/slurm/jobFile';
import { runWantsSlurm } from '../runs/slurm/slurmRuns';
import { resolveSearchId, SearchNotFoundError } from '../runs/search/searchFolder';
import { RunNotFoundError, type RunInfo } from '../runs/store';
import { Exit, UsageError, type CliCommand } from './command';
import { cliLaunchers, RUNS_OPTION_HELP, runsDirOf } from './runs';
import { driveSearch } from './search';

export type Target = { kind: 'run'; run: RunInfo } | { kind: 'search'; id: string } | { error: string };

/** A run or a search by id or unambiguous prefix; an id that matches both is ambiguous. */
export function resolveTarget(manager: RunManager, id: string): Target {
  let run: RunInfo | undefined;
  let search: string | undefined;
  const errors: string[] = [];
  try {
    run = manager.get(id);
  } catch (e) {
    if (!(e instanceof RunNotFoundError)) throw e;
    errors.push(e.message);
  }
  try {
    search = resolveSearchId(manager.store.root, id);
  } catch (e) {
    if (!(e instanceof SearchNotFoundError)) throw e;
    if (!/^No search/.test(e.message)) errors.push(e.message);
  }
  if (run && search && run.id !== id && search !== id)
    return { error: `"${id}" matches the run ${run.id} and the search ${search}; give more of the id.` };
  if (run && (!search || run.id === id)) return { kind: 'run', run };
  if (search) return { kind: 'search', id: search };
  return { error: errors.join(' ') };
}

const FINAL = new Set(['completed', 'failed', 'cancelled', 'interrupted']);

export const command: CliCommand = {
  usage: 'mlbtc resume ID [--retry] [--wait] [--runs DIR]',
  help: `Continues the run ID (or an unambiguous prefix) from its last checkpoint, with the losses an uninterrupted
run would have had (same backend). Works on interrupted, cancelled and failed runs. The run trains detached: this
command returns once its worker has started (or once it is queued, when another process such as the editor owns
the queue and will start it). Follow it with \`mlbtc runs\`.

ID may also name a search: its controller continues in the foreground, picking up trials that kept training,
resuming interrupted ones and launching the rest (as \`mlbtc search\` does).

  --retry       start a new run of the same spec instead (for a completed or broken run)
  --wait        stay until the run ends, printing its progress
${RUNS_OPTION_HELP}

Exit status: 0 resumed (with --wait: completed), 1 unknown ID, a run that cannot be resumed, or (with --wait) a
run that did not complete, 2 bad command line.`,
  options: { retry: { type: 'boolean' }, wait: { type: 'boolean' }, runs: { type: 'string' } },
  async run({ positionals, values }, io) {
    if (positionals.length !== 1) throw new UsageError('give one run or search ID');
    const manager = new RunManager({
      runsDir: runsDirOf(values, io),
      ...cliLaunchers(),
      queue: 'never',
      owner: 'mlbtc resume',
      slurm: cliSlurmExecutor(),
    });
    const target = resolveTarget(manager, positionals[0]!);
    if ('error' in target) {
      io.stderr(`mlbtc resume: ${target.error}\n`);
      return Exit.invalid;
    }
    if (target.kind === 'search') return driveSearch(target.id, values, io);

    let run: RunInfo;
    try {
      run = values.retry ? manager.retry(target.run.id) : manager.resume(target.run.id);
    } catch (e) {
      io.stderr(`mlbtc resume: ${(e as Error).message}\n`);
      return Exit.invalid;
    }
    // A Slurm run is submitted again here and now: kick() could only start its submission.
    if (runWantsSlurm(run, 'local')) await manager.submitToSlurmNow([run.id]);
    manager.kick();
    run = manager.get(run.id);
    const what = values.retry ? `${run.id} (a new run of ${target.run.id})` : run.id;
    const launch = launchState(run.dir);
    const job = readJobFile(run.dir);
    if (job && run.state === 'queued')
      io.stdout(`${what}: submitted as Slurm job ${jobKey(job)}, continuing after step ${run.status?.step ?? 0}.\n`);
    else if (run.state === 'queued' && launch.state === 'starting')
      io.stdout(
        `${what}: started (worker pid ${launch.marker!.workerPid}), continuing after step ${run.status?.step ?? 0} of ${run.status?.totalSteps ?? '?'}.\n`,
      );
    else if (run.state === 'queued')
      io.stdout(`${what}: queued; the process that owns the queue of ${manager.store.root} starts it when a slot is free.\n`);
    else io.stdout(`${what}: ${run.state}, continuing after step ${run.status?.step ?? 0} of ${run.status?.totalSteps ?? '?'}.\n`);
    if (!values.wait) return Exit.ok;

    let last = '';
    for (;;) {
      manager.kick();
      run = manager.get(run.id);
      const line = `${run.state} step ${run.status?.step ?? 0}/${run.status?.totalSteps ?? '?'}`;
      if (line !== last) io.stdout(`${run.id}: ${line}\n`);
      last = line;
      if (FINAL.has(run.state)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (run.status?.exitReason) io.stdout(`${run.id}: ${run.status.exitReason}\n`);
    return run.state === 'completed' ? Exit.ok : Exit.invalid;
  },
};
