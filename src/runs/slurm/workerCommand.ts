/**
 * The worker command a job runs on the node, by the run's training runtime: the tfjs worker run by Node
 * (`node dist/worker.js RUN_DIR --resume`), or the PyTorch worker (`python -m mlbtc_torch.worker RUN_DIR --resume`
 * with src/pytorch on PYTHONPATH). The node must see the same paths as this machine (a shared file system).
 */
import type { RuntimeName } from '../runtime';
import type { SlurmSettings } from './settings';
import type { WorkerCommand } from './jobScript';

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
  if (runtime === 'torch')
    return {
      argv: [settings.python ?? 'python3', '-m', 'mlbtc_torch.worker'],
      env: { PYTHONPATH: paths.pytorchPath },
    };
  return {
    argv: [settings.node ?? 'node', ...(paths.nodeArgs ?? []), paths.tfjsWorker],
    env: {},
  };
}
