/**
 * The CLI's side of the Slurm executor: `--executor local|slurm` for train and search, the executor every run
 * command uses (so stop, resume and runs treat a run that has a job by its job, never by a pid), and following a
 * run submitted by `mlbtc train --executor slurm` until it ends. The job settings are the spec's own
 * `execution.slurm` block; the CLI has no editor settings to fall back on.
 */
import * as path from 'node:path';
import type { RunManager } from '../runs/manager';
import { SlurmExecutor, type ExecutorKind } from '../runs/slurm/executor';
import { readJobFile } from '../runs/slurm/jobFile';
import { FINISHED_PHASES } from '../runs/slurm/jobState';
import type { RunInfo } from '../runs/store';
import { UsageError, type ParsedArgs } from './command';
import { workerPath } from './runs';

export const EXECUTOR_OPTION_HELP = `  --executor E  local (default: worker processes on this machine) or slurm (Slurm jobs, with the spec's
                execution.slurm settings; needs sbatch, squeue, sacct and scancel on PATH and run folders the nodes
                can reach). The spec's execution.executor is used when this option is not given.`;

/** The --executor value, or undefined when not given. */
export function executorOption(values: ParsedArgs['values']): ExecutorKind | undefined {
  const given = values.executor;
  if (given === undefined) return undefined;
  if (given !== 'local' && given !== 'slurm') throw new UsageError(`--executor must be local or slurm (got "${String(given)}")`);
  return given;
}

/** The Slurm executor of this CLI: the bundled worker beside it, src/pytorch beside the bundle for PyTorch runs. */
export function cliSlurmExecutor(arrayThrottle?: number): SlurmExecutor {
  const worker = workerPath();
  return new SlurmExecutor({
    settings: () => ({}),
    workerPaths: {
      tfjsWorker: worker,
      ...(worker.endsWith('.ts') ? { nodeArgs: process.execArgv } : {}),
      pytorchPath: path.join(path.dirname(worker), '..', 'src', 'pytorch'),
    },
    ...(arrayThrottle ? { arrayThrottle } : {}),
  });
}

const FINAL = ['completed', 'failed', 'cancelled', 'interrupted'];

/**
 * Print a Slurm run's job state and progress until it ends. Ctrl-C only stops following (the job is Slurm's): it
 * says how to stop the run. Resolves with the run's final state, or null when the user stopped following.
 */
export function followSlurmRun(
  manager: RunManager,
  slurm: SlurmExecutor,
  id: string,
  print: (line: string) => void,
): Promise<RunInfo | null> {
  return new Promise((resolve) => {
    let said = '';
    let lastStep = -1;
    const report = () => {
      const run = manager.get(id);
      const job = readJobFile(run.dir);
      const line = job ? slurm.describe(job) : 'not submitted';
      if (line !== said) print((said = line));
      const step = run.status?.step ?? 0;
      if (run.state === 'running' && step !== lastStep) {
        lastStep = step;
        print(`step ${step}/${run.status?.totalSteps}`);
      }
      // A run whose job Slurm requeued reads "cancelled" for a moment while its job waits to start again.
      const seen = job ? slurm.observe(job).job : undefined;
      const workerSaidLast = run.state === 'completed' || run.state === 'failed';
      if (FINAL.includes(run.state) && (workerSaidLast || !seen || FINISHED_PHASES.includes(seen.phase))) finish(run);
    };
    const timer = setInterval(report, 1_000);
    const sub = manager.onEvent((e) => (e.type === 'state' || e.type === 'progress') && report());
    const onSigint = () => {
      print(`stopped following; the job keeps running. Stop it with \`mlbtc stop ${id}\`, see it with \`mlbtc runs\`.`);
      finish(null);
    };
    process.on('SIGINT', onSigint);
    const finish = (run: RunInfo | null) => {
      clearInterval(timer);
      sub.dispose();
      process.off('SIGINT', onSigint);
      resolve(run);
    };
    report();
  });
}
