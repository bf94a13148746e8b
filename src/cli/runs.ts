/**
 * `mlbtc runs [--json]`: the runs of a runs directory, grouped by experiment (the spec file they came from, or the
 * search that made them). Reads only status.json files and the run index, so it is instant on thousands of runs.
 *
 * Also the helpers the other run commands share: where the runs directory is, where the worker is, and an aligned
 * plain-text table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { textTable } from '../core/format';
import { DEFAULT_RUNS_DIR } from '../runs/layout';
import { workspaceRoot } from '../data/dataRoots';
import type { ManagerOptions } from '../runs/manager';
import { launchTorchWorker } from '../runs/launch';
import { findPython, type PythonInterpreter } from '../runs/python';
import { groupByExperiment, RunStore, type RunInfo } from '../runs/store';
import { jobKey, readJobFile, type SlurmJobFile } from '../runs/slurm/jobFile';
import { Exit, UsageError, type CliCommand, type CliIo, type ParsedArgs } from './command';

export const RUNS_OPTION_HELP = `  --runs DIR    the runs directory. Default: $MLBTC_RUNS_DIR, else .mlbtc/runs in the workspace (the nearest
                folder above the current one with a .mlbtc, .vscode or .git folder), as \`mlbtc train\` and the editor use.`;

/** The runs directory: --runs, else $MLBTC_RUNS_DIR, else .mlbtc/runs of the workspace around `near` (default cwd). */
export function runsDirOf(values: ParsedArgs['values'], io: CliIo, near?: string): string {
  const given = values.runs;
  if (typeof given === 'string') return path.resolve(io.cwd, given);
  const env = process.env.MLBTC_RUNS_DIR;
  if (env) return path.resolve(io.cwd, env);
  return path.join(workspaceRoot(near ?? io.cwd), DEFAULT_RUNS_DIR);
}

/** dist/worker.js beside this bundle; from source, the TypeScript entry (run with this process's loader flags). */
export function workerPath(): string {
  const bundled = path.join(__dirname, 'worker.js');
  return fs.existsSync(bundled) ? bundled : path.join(__dirname, '..', 'engine', 'worker.ts');
}

/** The checkout or installed package around this bundle (dist/cli.js) or source file (src/cli/runs.ts). */
function packageRoot(): string {
  return path.basename(__dirname) === 'dist' ? path.dirname(__dirname) : path.join(__dirname, '..', '..');
}

/** src/pytorch of the checkout or package: the folder on PYTHONPATH that holds mlbtc_torch. */
export function torchPackageDir(): string {
  return path.join(packageRoot(), 'src', 'pytorch');
}

/** Where the CLI looks for Python: MLBTC_PYTHON, then python3 on PATH (the editor's settings do not reach it). */
export function cliPython(): PythonInterpreter | { error: string } {
  const search = findPython({});
  return search.found ?? { error: `no Python was found for the PyTorch worker (looked at ${search.looked.join('; ')})` };
}

/** How the CLI's run managers start workers of either runtime. */
export function cliLaunchers(): Pick<ManagerOptions, 'workerPath' | 'torchLauncher'> {
  return { workerPath: workerPath(), torchLauncher: launchTorchWorker(cliPython, torchPackageDir()) };
}

/** "2026-11-22 14:30" in local time, or "" */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function slurmJobField(dir: string): { slurmJob?: SlurmJobFile } {
  const job = readJobFile(dir);
  return job ? { slurmJob: job } : {};
}

function withJob(r: RunInfo): string {
  const job = readJobFile(r.dir);
  return job ? `${r.state} (job ${jobKey(job)})` : r.state;
}

function runJson(r: RunInfo) {
  const s = r.status;
  return {
    id: r.id,
    state: r.state,
    step: s?.step ?? null,
    totalSteps: s?.totalSteps ?? null,
    backend: s?.backend ?? null,
    runtime: s?.runtime ?? null,
    pid: s?.pid ?? null,
    startedAt: s?.startedAt ?? null,
    endedAt: s?.endedAt ?? null,
    exitReason: s?.exitReason ?? null,
    experiment: r.experiment.key,
    source: r.source,
    ...(r.search ? { search: r.search } : {}),
    ...(r.problem ? { problem: r.problem } : {}),
    ...slurmJobField(r.dir),
    dir: r.dir,
  };
}

export const command: CliCommand = {
  usage: 'mlbtc runs [--json] [--runs DIR]',
  help: `Lists the runs in the runs directory, grouped by experiment: the structure file each run was started from, or
the search that made it. For each run: its id (give it, or an unambiguous prefix, to stop, resume and export),
state, step, runtime (e.g. "torch 2.13.0 · cuda:0 · bf16", "tfjs 4.22.0 · wasm"; older runs show their backend),
start time and why it ended.

A run whose worker died without saying so (killed, crashed, machine restarted) shows as interrupted; resume it
with \`mlbtc resume ID\`.

  --json        one JSON array of runs instead of the table
${RUNS_OPTION_HELP}

Exit status: 0, or 2 for a bad command line or an unreadable runs directory.`,
  options: { json: { type: 'boolean' }, runs: { type: 'string' } },
  async run({ positionals, values }, io) {
    if (positionals.length) throw new UsageError(`runs takes no arguments (got ${positionals.join(' ')})`);
    const root = runsDirOf(values, io);
    let runs: RunInfo[];
    try {
      runs = new RunStore(root).list();
    } catch (e) {
      io.stderr(`mlbtc runs: ${(e as Error).message}\n`);
      return Exit.unreadable;
    }
    if (values.json) {
      io.stdout(`${JSON.stringify(runs.map(runJson), null, 2)}\n`);
      return Exit.ok;
    }
    if (runs.length === 0) {
      io.stdout(`No runs in ${root}. Start one with \`mlbtc train FILE\` or \`mlbtc search FILE\`.\n`);
      return Exit.ok;
    }
    const out: string[] = [`Runs in ${root}`];
    for (const group of groupByExperiment(runs)) {
      out.push(
        '',
        `${group.experiment.label}${group.experiment.kind === 'spec' && group.runs[0]?.source ? `  (${group.runs[0].source})` : ''}`,
      );
      const rows = group.runs.map((r) => [
        `  ${r.id}`,
        // A Slurm run names its job: `squeue -j` and `sacct -j` take it.
        withJob(r),
        r.status ? `${r.status.step}/${r.status.totalSteps}` : '',
        r.status?.runtime ?? r.status?.backend ?? '',
        shortTime(r.status?.startedAt),
        r.problem ?? r.status?.exitReason ?? '',
      ]);
      out.push(textTable(['  ID', 'STATE', 'STEP', 'RUNTIME', 'STARTED', 'ENDED BECAUSE'], rows, new Set([2])));
    }
    io.stdout(`${out.join('\n')}\n`);
    return Exit.ok;
  },
};
