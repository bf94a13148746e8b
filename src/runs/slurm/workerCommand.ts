/**
 * The worker command a job runs on the node, by the run's training runtime, from the one builder of worker commands
 * (runs/workerInvocation.ts) with the node's programs: the tfjs worker run by `node` (settings.node), or the PyTorch
 * worker run by `python3` (settings.python) with src/pytorch on PYTHONPATH. The run folder is the script's RUN_DIR,
 * always with `--resume`: a fresh run starts from step 1 (no checkpoint), and a job that Slurm requeued (preemption,
 * node failure, `scontrol requeue`) continues from the last checkpoint instead of starting over. The node must see
 * the same paths as this machine (a shared file system).
 */
import type { RuntimeName } from '../runtime';
import { workerInvocation, type WorkerProgram } from '../workerInvocation';
import type { SlurmSettings } from './settings';
import { JOB_RUN_DIR, type WorkerCommand } from './jobScript';

/** Where the workers of this installation are. */
export interface WorkerPaths {
  /** dist/worker.js (or src/engine/worker.ts with `nodeArgs` ['--import', 'tsx'] when running from source). */
  tfjsWorker: string;
  /** Arguments Node needs before the worker path (a loader when running from source). */
  nodeArgs?: string[];
  /** The folder that holds the mlbtc_torch package (<extension>/src/pytorch). */
  pytorchPath: string;
}

/** The worker of the run's recorded runtime (runs/runtime.ts runtimeOfSpec). */
export function workerCommand(runtime: RuntimeName, settings: SlurmSettings, paths: WorkerPaths): WorkerCommand {
  const program: WorkerProgram =
    runtime === 'torch'
      ? { runtime, python: settings.python ?? 'python3', packageDir: paths.pytorchPath }
      : { runtime, node: settings.node ?? 'node', nodeArgs: paths.nodeArgs ?? [], worker: paths.tfjsWorker };
  return workerInvocation(program, JOB_RUN_DIR, true);
}
