/**
 * `mlbtc search FILE [--plan]`, `mlbtc search status ID`, `mlbtc search resume ID`: structure search from the
 * command line. The plan (trials, each candidate's analysis, rejected candidates with the reason, total compute) is
 * printed before anything launches; the search then runs in the foreground, its trials as detached runs, and ends
 * with a table of trials and the Pareto fronts. Killing this process loses nothing: `mlbtc resume ID` continues.
 */
import * as path from 'node:path';
import { validateText } from '../core/validate';
import type { StructureSpec } from '../core/spec/schema';
import { parse } from 'jsonc-parser';
import { LockedError } from '../runfolder/lock';
import { RunManager } from '../runs/manager';
import { controllerOwnerOf, SearchController } from '../runs/search/controller';
import { planSearch, SearchPlanError, type SearchPlan } from '../runs/search/plan';
import { describeControl, describeSearchEvent, formatPlan, formatResults } from '../runs/search/report';
import { searchControl } from '../runs/search/searchControl';
import { planWallTime } from '../runs/search/wallTime';
import { RunStore } from '../runs/store';
import { searchResults } from '../runs/search/results';
import { createSearchFolder, readSearchFile, readSearchState, resolveSearchId, SearchNotFoundError } from '../runs/search/searchFolder';
import { Exit, UsageError, type CliCommand, type CliIo, type ParsedArgs } from './command';
import { plural } from '../core/format';
import { chooseCliRuntime } from './runtimeChoice';
import { problemLine } from './problems';
import { readSpecFile } from './readSpec';
import { cliLaunchers, RUNS_OPTION_HELP, runsDirOf } from './runs';
import { cliSlurmExecutor, EXECUTOR_OPTION_HELP, executorOption } from './slurm';

/** Lock owner of a search controller run by this CLI: `mlbtc stop SEARCH` only ever signals a holder with this owner. */
export const SEARCH_CONTROLLER_OWNER = 'mlbtc search';

/** Run a search's controller in the foreground until it finishes or is interrupted; print the results. */
export async function driveSearch(id: string, values: ParsedArgs['values'], io: CliIo): Promise<number> {
  const runsDir = runsDirOf(values, io);
  const file = readSearchFile(runsDir, id);
  const maxConcurrent = values['max-concurrent'] !== undefined ? Number(values['max-concurrent']) : (file.plan.maxConcurrent ?? 1);
  const executor = executorOption(values) ?? 'local';
  const slurm = cliSlurmExecutor(maxConcurrent);
  const manager = new RunManager({
    runsDir,
    ...cliLaunchers(),
    maxConcurrentRuns: maxConcurrent,
    owner: `mlbtc search ${id}`,
    pollMs: 500,
    executor,
    slurm,
  }).open();
  // On Slurm a one-rung search (grid, random) queues every trial at once: they go as one job array whose throttle
  // (--array=0-N%K) keeps K running. ASHA decides promotions from results, so its trials go K at a time.
  const onSlurm = executor === 'slurm' || file.plan.trials[0]?.spec.execution?.executor === 'slurm';
  const active = onSlurm && !file.plan.asha ? file.plan.trials.length : maxConcurrent;
  const controller = new SearchController(manager, id, {
    maxConcurrent: active,
    owner: SEARCH_CONTROLLER_OWNER,
    onEvent: (e) => io.stdout(`${describeSearchEvent(e, file.plan)}\n`),
  });
  try {
    controller.acquire();
  } catch (e) {
    manager.close();
    if (e instanceof LockedError) {
      io.stderr(`mlbtc search: search ${id} already has a controller: ${e.message}\n`);
      return Exit.invalid;
    }
    throw e;
  }
  // Ctrl-C stops the search cleanly: no new trials, the active ones checkpoint and stop (the workers are detached,
  // so the terminal's SIGINT does not reach them) and resume with the search. SIGTERM (sent by `mlbtc stop ID`,
  // which then pauses the trials itself) stops only this controller.
  let interrupted: 'SIGINT' | 'SIGTERM' | null = null;
  const onSigint = () => (interrupted = 'SIGINT');
  const onSigterm = () => (interrupted = 'SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    io.stdout(`search ${id}: ${plural(file.plan.trials.length, 'trial')}, up to ${maxConcurrent} at once; runs in ${runsDir}\n`);
    const end = await controller.run(() => interrupted !== null);
    const finished = end === 'finished';
    if (end === 'taken over') {
      const by = controller.takenOverBy;
      io.stderr(
        `search ${id} was taken over by ${controllerOwnerOf(by)}${by ? ` (pid ${by.pid} on ${by.hostname})` : ''}: ` +
          `this process had stopped answering; its trials go on under the new controller.\n`,
      );
      return 130;
    }
    if (interrupted === 'SIGINT') {
      io.stdout(`stopping ${plural(controller.activeRuns().length, 'active trial')} …\n`);
      await controller.pause();
    }
    const results = searchResults(manager.store, id, file.plan, readSearchState(runsDir, id));
    io.stdout(`\n${formatResults(id, file.plan, results, finished ? 'finished' : 'stopped')}`);
    if (!finished) io.stdout(`Continue it with \`mlbtc resume ${id}\` (or \`mlbtc search resume ${id}\`).\n`);
    return finished ? Exit.ok : 130;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    controller.release();
    manager.close();
  }
}

export const command: CliCommand = {
  usage:
    'mlbtc search FILE [--plan] [--max-concurrent N] [--runs DIR] [--executor E]  |  mlbtc search status ID  |  mlbtc search resume ID',
  help: `Runs the structure search of FILE's "search" block: every combination (grid), seeded draws (random), or
successive halving (asha: trials start at the smallest budget; the best 1/eta of each rung continue from their
checkpoint to the next). Candidates that fail validation or break search.constraints are planned out, each with
the reason.

  --plan              print the plan and exit: the trials, each candidate's analysis (scoring rank,
                      parameters, MACs), the rejected candidates and the total compute. Nothing is launched.
  --max-concurrent N  trials training at once (default: search.maxConcurrent, else 1); on Slurm the throttle of
                      the job array
${RUNS_OPTION_HELP}
${EXECUTOR_OPTION_HELP}
                On Slurm a grid or random search is one job array (--array=0-N%K with K = --max-concurrent).

The search runs in the foreground and ends with a table of trials (objective, compute, rank) and two Pareto
fronts: compute vs the objective, and compute vs scoring rank. Its state lives in <runs>/.searches/ID, and its
trials are ordinary runs (\`mlbtc runs\`, \`mlbtc stop\`, \`mlbtc resume\`, \`mlbtc export\` work on each).
Ctrl-C stops the search and its active trials; if this process is killed, the trials keep training. Either way
\`mlbtc search resume ID\` (or \`mlbtc resume ID\`) continues it.

  search status ID    the table and fronts of a search so far, without running it

Exit status: 0 finished (or planned), 1 invalid spec or no trials, 2 bad command line or unreadable file,
130 stopped before it finished (or taken over by another controller, after this process stopped answering for
12 s, e.g. suspended with Ctrl-Z).`,
  options: { plan: { type: 'boolean' }, 'max-concurrent': { type: 'string' }, runs: { type: 'string' }, executor: { type: 'string' } },
  async run({ positionals, values }, io) {
    if (values['max-concurrent'] !== undefined) {
      const n = Number(values['max-concurrent']);
      if (!Number.isInteger(n) || n < 1)
        throw new UsageError(`--max-concurrent must be an integer ≥ 1 (got "${String(values['max-concurrent'])}")`);
    }
    const [first, second, ...rest] = positionals;
    if ((first === 'status' || first === 'resume') && second !== undefined) {
      if (rest.length) throw new UsageError(`search ${first} takes one ID`);
      const runsDir = runsDirOf(values, io);
      let id: string;
      try {
        id = resolveSearchId(runsDir, second);
      } catch (e) {
        if (!(e instanceof SearchNotFoundError)) throw e;
        io.stderr(`mlbtc search: ${e.message}\n`);
        return Exit.invalid;
      }
      if (first === 'resume') return driveSearch(id, values, io);
      const file = readSearchFile(runsDir, id);
      const state = readSearchState(runsDir, id);
      io.stdout(
        formatResults(
          id,
          file.plan,
          searchResults(new RunManager({ runsDir, queue: 'never' }).store, id, file.plan, state),
          describeControl(searchControl(runsDir, id, state), id),
        ),
      );
      return Exit.ok;
    }
    if (positionals.length !== 1) throw new UsageError('give one FILE (or: search status ID, search resume ID)');
    const specPath = path.resolve(io.cwd, first!);
    const read = readSpecFile(first!, io.cwd);
    if (!read.ok) {
      io.stderr(`${first}: error: cannot read: ${read.reason}\n`);
      return Exit.unreadable;
    }
    const { problems, spec } = validateText(read.text);
    for (const p of problems) io.stderr(`${problemLine(first!, p)}\n`);
    if (!spec) {
      io.stderr(`mlbtc search: ${first} is not a valid structure; nothing was planned.\n`);
      return Exit.invalid;
    }
    const raw = parse(read.text) as StructureSpec;
    if (!values.plan) {
      // One runtime for every trial, chosen now and recorded in each trial's spec (runtime.ts).
      const chosen = await chooseCliRuntime(spec, 'training.runtime', 'training.device', io, 'search');
      if (!chosen) return Exit.invalid;
      raw.training = { ...raw.training, runtime: chosen.runtime } as StructureSpec['training'];
    }
    let plan: SearchPlan;
    try {
      // --executor slurm: every trial's spec says so, so whichever manager owns the queue submits it to Slurm.
      const executor = executorOption(values);
      plan = planSearch(executor ? { ...raw, execution: { ...raw.execution, executor } } : raw);
    } catch (e) {
      if (!(e instanceof SearchPlanError)) throw e;
      io.stderr(`mlbtc search: ${first}: ${e.message}\n`);
      return Exit.invalid;
    }
    const runsDir = runsDirOf(values, io, path.dirname(specPath));
    io.stdout(formatPlan(plan));
    io.stdout(`${planWallTime(plan, new RunStore(runsDir).list())}\n`);
    if (values.plan) return Exit.ok;
    if (plan.trials.length === 0) {
      io.stderr('mlbtc search: no trial to run.\n');
      return Exit.invalid;
    }
    const created = createSearchFolder(runsDir, plan, { path: specPath, text: read.text });
    io.stdout(`\nsearch ${created.id} created in ${runsDir}\n`);
    return driveSearch(created.id, { ...values, runs: runsDir }, io);
  },
};
