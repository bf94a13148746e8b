/**
 * The one builder of the command that runs a runtime's worker on a run folder, for every caller: the local detached
 * launchers (launch.ts), the CLI's foreground PyTorch run (cli/trainTorch.ts) and a Slurm job's script
 * (slurm/workerCommand.ts). Both workers take the job on the command line, `RUN_DIR [--resume]`, as an argv array
 * (never a shell string, so a run folder named with quotes or `$(…)` stays one argument):
 *
 *   tfjs   <node> [loader args] <worker.js> RUN_DIR [--resume]         ELECTRON_RUN_AS_NODE=1
 *   torch  <python> -m mlbtc_torch.worker RUN_DIR [--resume]           PYTHONPATH=<src/pytorch>:…, PYTHONUNBUFFERED=1
 *
 * Callers say where the programs are (this machine's Node or Electron, a compute node's `node` and `python3`).
 */
import { withPythonPath } from './python';
import type { RuntimeName } from './runtime';

/** Where one runtime's worker is, as the machine that runs it sees it. */
export type WorkerProgram =
  | {
      runtime: Extract<RuntimeName, 'tfjs'>;
      /** The Node that runs it (Electron's own binary behaves as Node with ELECTRON_RUN_AS_NODE). */
      node: string;
      /** Arguments Node needs before the worker (a loader when it is src/engine/worker.ts, from source). */
      nodeArgs?: readonly string[];
      /** dist/worker.js. */
      worker: string;
    }
  | {
      runtime: Extract<RuntimeName, 'torch'>;
      python: string;
      /** The folder that holds the mlbtc_torch package (<extension>/src/pytorch). */
      packageDir: string;
    };

/** The argv and environment that run one worker on one run folder. */
export interface WorkerInvocation {
  /** Program, its arguments, then the job: `RUN_DIR [--resume]`. */
  argv: string[];
  /** Variables set on top of the inherited environment. */
  env: Record<string, string>;
  /** A folder put first on PYTHONPATH, ahead of any inherited entries. */
  pythonPath?: string;
}

export function workerInvocation(program: WorkerProgram, runDir: string, resume: boolean): WorkerInvocation {
  const job = [runDir, ...(resume ? ['--resume'] : [])];
  if (program.runtime === 'torch')
    return {
      argv: [program.python, '-m', 'mlbtc_torch.worker', ...job],
      // Unbuffered, so worker.log shows a crash's last lines even when the process is killed.
      env: { PYTHONUNBUFFERED: '1' },
      pythonPath: program.packageDir,
    };
  return { argv: [program.node, ...(program.nodeArgs ?? []), program.worker, ...job], env: { ELECTRON_RUN_AS_NODE: '1' } };
}

/** The environment of a worker started from this process with `inherited` as its base. */
export function invocationEnv(invocation: WorkerInvocation, inherited: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...(invocation.pythonPath ? withPythonPath(inherited, invocation.pythonPath) : inherited), ...invocation.env };
}
