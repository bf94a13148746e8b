/**
 * `mlbtc train FILE` and `mlbtc train --resume DIR`: train in the foreground.
 *
 * The training itself always runs in a worker process (dist/worker.js, the same one the extension starts), so a
 * run folder made here is the same as one made from the editor, and tfjs never loads in this process. Before a run
 * folder is created the spec is validated and the task's data is read (src/data checkTaskData, which reads and
 * checks it without any tensor), so bad specs and bad data are reported with their file and line and leave nothing behind.
 *
 * Ctrl-C reaches the worker too (same process group); it finishes its step, saves a checkpoint and ends the run
 * "cancelled". A second Ctrl-C kills it without a checkpoint (the last periodic one remains).
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResolvedSpec } from '../core/spec/resolve';
import { SpecLimits, TFJS_BACKENDS } from '../core/spec/schema';
import { memoryProblem } from '../core/analysis/resources';
import { validateText } from '../core/validate';
import { createRunFolder, readRunSpec, readStatus } from '../runfolder/runFolder';
import { checkTaskData, DataError } from '../data';
import { CUDA_INDEX_PATTERN } from '../core/spec/schema';
import { RunFiles, type RunOverrides } from '../protocol/run';
import { observedState } from '../runfolder/liveness';
import { alreadyRunning, liveWorkerOf } from '../runfolder/workerClaim';
import { recordDeadWorker } from '../runs/settle';
import { recordRuntime, rewriteRuntime, RUNTIME_CHOICES, runtimeOfSpec, type RuntimeName } from '../runs/runtime';
import { chooseCliRuntime } from './runtimeChoice';
import { EXIT_CANCELLED, trainInTorchWorker } from './trainTorch';
import { asWorkerToHost, type FinalMessage, type StartMessage } from '../protocol/worker';
import { DEFAULT_RUNS_DIR } from '../runs/layout';
import { workspaceRoot } from '../data/dataRoots';
import { RunStore } from '../runs/store';
import { Exit, UsageError, type CliCommand, type CliIo } from './command';
import { torchPackageDir, workerPath } from './runs';
import { formatDuration, plural } from '../core/format';
import { problemLine } from './problems';
import { readSpecFile } from './readSpec';
import { TrainProgress } from './trainProgress';
import { RunManager } from '../runs/manager';
import { clearLaunchMarker } from '../runs/launchMarker';
import { cliSlurmExecutor, EXECUTOR_OPTION_HELP, executorOption, followSlurmRun } from './slurm';

const PRECISIONS = ['fp32', 'bf16'] as const;
const DEVICE = new RegExp(`^(auto|cuda|mps|cpu)$|${CUDA_INDEX_PATTERN}`);

export const command: CliCommand = {
  usage:
    'mlbtc train FILE [--runtime R] [--device D] [--precision P] [--steps N] [--backend B] [--seed S] [--out DIR] [--executor E]  |  mlbtc train --resume DIR [--runtime R]',
  help: `Trains the structure in FILE (a *.mlbtc.json) in the foreground, with its training settings, and writes a
run folder: spec.json, status.json, metrics.jsonl, worker.log and checkpoints/.

  --runtime R   auto (default: training.runtime), torch or tfjs. auto trains with PyTorch when a Python with
                torch ≥ 2.1 is found ($MLBTC_PYTHON, else python3 on PATH), else with the built-in tfjs worker; a
                forced runtime that cannot start is an error that says why
  --device D    PyTorch device: auto, cuda, cuda:N, mps or cpu (default: training.device)
  --precision P PyTorch arithmetic: fp32 or bf16 (default: training.precision)
  --steps N     train N steps instead of training.steps
  --backend B   auto (default: the fastest that starts), tensorflow, webgpu, wasm or cpu; a forced backend that
                cannot start is an error
  --seed S      seed for initialisation and data instead of training.seed
  --out DIR     write the run folder to DIR (it must not hold a run). Default: a new folder in .mlbtc/runs of the
                spec's workspace (the nearest folder above FILE with a .mlbtc, .vscode or .git folder, else FILE's
                folder), where the editor's Experiments view finds it.
  --resume DIR  continue the run in DIR from its last checkpoint, with the losses it would have had uninterrupted,
                on the runtime it was started with (or the one --runtime names)
${EXECUTOR_OPTION_HELP}
                On Slurm the run is submitted as a job and followed here (its job state, then its steps); Ctrl-C stops
                following, not the job.

Progress shows step, loss, tokens/s and time left (one line per record when the output is not a terminal).
Ctrl-C stops after the current step and saves a checkpoint; continue with --resume.

Exit status: 0 completed, 1 invalid spec, bad data, a runtime that cannot start or a failed run (e.g.
diverged), 2 bad command line or unreadable file, 130 stopped by Ctrl-C.`,
  options: {
    steps: { type: 'string' },
    backend: { type: 'string' },
    runtime: { type: 'string' },
    device: { type: 'string' },
    precision: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'string' },
    executor: { type: 'string' },
  },
  async run({ positionals, values }, io) {
    const resume = values.resume as string | undefined;
    if (resume !== undefined) {
      const others = ['steps', 'backend', 'seed', 'out', 'device', 'precision', 'executor'].filter((o) => values[o] !== undefined);
      if (positionals.length || others.length) {
        throw new UsageError(
          '--resume DIR takes no FILE and no other option than --runtime: the run continues as configured in DIR/spec.json',
        );
      }
      return resumeRun(path.resolve(io.cwd, resume), parseRuntime(values), io);
    }
    if (positionals.length !== 1) throw new UsageError(positionals.length ? 'give one FILE' : 'give the FILE to train (or --resume DIR)');
    let overrides = parseOverrides(values);
    const executorFlag = executorOption(values);
    const file = positionals[0]!;
    const read = readSpecFile(file, io.cwd);
    if (!read.ok) {
      io.stderr(`${file}: error: cannot read: ${read.reason}\n`);
      return Exit.unreadable;
    }
    const { problems, spec: resolved } = validateText(read.text);
    for (const p of problems) io.stderr(`${problemLine(file, p)}\n`);
    if (!resolved) {
      const errors = problems.filter((p) => p.severity === 'error').length;
      io.stderr(`mlbtc train: ${file} is not a valid structure (${plural(errors, 'error')}); nothing was trained.\n`);
      return Exit.invalid;
    }
    const runtimeFrom = values.runtime !== undefined ? '--runtime' : 'training.runtime';
    // "--runtime auto" is not an override to record (the choice is), but it does replace the file's runtime.
    let spec: ResolvedSpec = {
      ...resolved,
      training: { ...resolved.training, ...(values.runtime === 'auto' ? { runtime: 'auto' } : {}), ...overrides },
    };
    const chosen = await chooseCliRuntime(spec, runtimeFrom, values.device !== undefined ? '--device' : 'training.device', io);
    if (!chosen) return Exit.invalid;
    ({ spec, overrides } = recordRuntime(spec, overrides, chosen.runtime));
    const sourcePath = path.resolve(io.cwd, file);

    try {
      checkTaskData(spec, path.dirname(sourcePath));
    } catch (e) {
      io.stderr(`${e instanceof DataError ? '' : 'mlbtc train: '}${(e as Error).message}\n`);
      io.stderr(`mlbtc train: the task's data cannot be used; nothing was trained.\n`);
      return Exit.invalid;
    }
    // Before any run folder exists: a run that cannot fit in memory is refused with the fields to change.
    const backend = spec.training.backend === 'auto' ? {} : { backend: spec.training.backend };
    const tooBig = memoryProblem(spec, { freeBytes: os.freemem(), ...backend });
    if (tooBig) {
      io.stderr(`mlbtc train: ${file}: ${tooBig}\nNothing was trained.\n`);
      return Exit.invalid;
    }

    if ((executorFlag ?? spec.execution?.executor) === 'slurm') {
      if (values.out !== undefined) throw new UsageError('--out does not go with the slurm executor (its runs live in the runs directory)');
      return trainOnSlurm({ ...spec, execution: { ...spec.execution, executor: 'slurm' } }, sourcePath, read.text, overrides, io);
    }

    let runDir: string;
    const run = { spec, sourcePath, sourceText: read.text, overrides };
    if (values.out !== undefined) {
      if ((values.out as string).trim() === '') throw new UsageError('--out needs a folder name (got an empty one)');
      runDir = path.resolve(io.cwd, values.out as string);
      try {
        createRunFolder(runDir, run);
      } catch (e) {
        io.stderr(`mlbtc train: ${(e as Error).message}\n`);
        return Exit.usage;
      }
    } else {
      // This process starts the worker: the run must never look startable to an editor window that owns the queue.
      runDir = new RunStore(path.join(workspaceRoot(path.dirname(sourcePath)), DEFAULT_RUNS_DIR)).create({
        ...run,
        launchedBy: process.pid,
      }).dir;
    }
    return chosen.runtime === 'torch'
      ? trainInTorchWorker(runDir, false, chosen.python, torchPackageDir(), io)
      : trainInWorker({ type: 'start', runDir }, io);
  },
};

function parseRuntime(values: Record<string, unknown>): RuntimeName | undefined {
  const r = values.runtime;
  if (r === undefined) return undefined;
  if (!(RUNTIME_CHOICES as readonly unknown[]).includes(r) || r === 'auto') {
    throw new UsageError(
      `--runtime must be one of ${RUNTIME_CHOICES.join(', ')}${values.resume !== undefined ? ' (auto only for a new run)' : ''} (got "${String(r)}")`,
    );
  }
  return r as RuntimeName;
}

/** Submit the run as a Slurm job and follow it until it ends (see slurm.ts). */
async function trainOnSlurm(spec: ResolvedSpec, sourcePath: string, text: string, overrides: RunOverrides, io: CliIo): Promise<number> {
  const runsDir = path.join(workspaceRoot(path.dirname(sourcePath)), DEFAULT_RUNS_DIR);
  const slurm = cliSlurmExecutor();
  const manager = new RunManager({ runsDir, executor: 'slurm', slurm, queue: 'never', owner: 'mlbtc train', pollMs: 1_000 });
  try {
    slurm.settingsFor(spec); // a bad execution.slurm block is reported before any run folder exists
  } catch (e) {
    io.stderr(`mlbtc train: ${sourcePath}: ${(e as Error).message}\n`);
    return Exit.invalid;
  }
  // The launch marker keeps a queue-owning editor from starting it locally until its job file is written.
  const run = manager.store.create({ spec, sourcePath, sourceText: text, overrides, launchedBy: process.pid });
  try {
    await manager.submitToSlurmNow([run.id]);
    clearLaunchMarker(run.dir);
    manager.open();
    io.stdout(`run ${run.id} → ${run.dir}\n`);
    const ended = await followSlurmRun(manager, slurm, run.id, (line) => io.stdout(`${line}\n`));
    if (!ended) return EXIT_CANCELLED;
    const log = path.join(run.dir, 'worker.log');
    const why = ended.status?.exitReason ?? '';
    if (ended.state !== 'completed') io.stderr(`mlbtc train: the run ended ${ended.state}: ${why}\n(details in ${log})\n`);
    else io.stdout(`completed ${ended.status?.step} steps; run folder ${run.dir}\n`);
    return ended.state === 'completed' ? Exit.ok : ended.state === 'failed' ? Exit.invalid : EXIT_CANCELLED;
  } finally {
    clearLaunchMarker(run.dir);
    manager.close();
  }
}

function parseOverrides(values: Record<string, unknown>): RunOverrides {
  const overrides: RunOverrides = {};
  const int = (name: string, min: number, max: number): number | undefined => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got "${String(raw)}")`);
    return n;
  };
  const steps = int('steps', 1, SpecLimits.steps);
  const seed = int('seed', 0, SpecLimits.seed);
  if (steps !== undefined) overrides.steps = steps;
  if (seed !== undefined) overrides.seed = seed;
  const runtime = values.runtime;
  if (runtime !== undefined) {
    if (!(RUNTIME_CHOICES as readonly unknown[]).includes(runtime))
      throw new UsageError(`--runtime must be one of ${RUNTIME_CHOICES.join(', ')} (got "${String(runtime)}")`);
    if (runtime !== 'auto') overrides.runtime = runtime as RuntimeName;
  }
  if (values.device !== undefined) {
    const d = values.device as string;
    if (!DEVICE.test(d)) throw new UsageError(`--device must be auto, cuda, cuda:N, mps or cpu (got "${d}")`);
    overrides.device = d;
  }
  if (values.precision !== undefined) {
    const p = values.precision as string;
    if (!(PRECISIONS as readonly string[]).includes(p))
      throw new UsageError(`--precision must be one of ${PRECISIONS.join(', ')} (got "${p}")`);
    overrides.precision = p as RunOverrides['precision'];
  }
  if (values.backend !== undefined) {
    const b = values.backend as string;
    if (!(TFJS_BACKENDS as readonly string[]).includes(b))
      throw new UsageError(`--backend must be one of ${TFJS_BACKENDS.join(', ')} (got "${b}")`);
    overrides.backend = b as RunOverrides['backend'];
  }
  return overrides;
}

async function resumeRun(runDir: string, runtime: RuntimeName | undefined, io: CliIo): Promise<number> {
  let name: string;
  let spec: ResolvedSpec;
  try {
    ({ name, spec } = readRunSpec(runDir));
  } catch (e) {
    io.stderr(`mlbtc train: ${(e as Error).message}\n`);
    return Exit.unreadable;
  }
  const { status, problem } = readStatus(runDir);
  if (!status) {
    io.stderr(`mlbtc train: ${problem}\n`);
    return Exit.unreadable;
  }
  const worker = liveWorkerOf(runDir);
  if (worker) {
    io.stderr(`mlbtc train: ${alreadyRunning(runDir, worker.pid)}\n`);
    return Exit.invalid;
  }
  const state = observedState(status);
  if (state === 'completed') {
    io.stderr(`mlbtc train: ${name} already completed its ${status.totalSteps} steps; nothing to resume.\n`);
    return Exit.invalid;
  }
  if (state === 'running') {
    io.stderr(`mlbtc train: ${name} is running (worker pid ${status.pid}, last heartbeat ${status.heartbeat}); stop it before resuming.\n`);
    return Exit.invalid;
  }
  const recorded = runtimeOfSpec(spec);
  const chosen = await chooseCliRuntime(
    { ...spec, training: { ...spec.training, runtime: runtime ?? recorded } },
    runtime ? '--runtime' : `${path.join(runDir, RunFiles.spec)} (training.runtime)`,
    `${path.join(runDir, RunFiles.spec)} (training.device)`,
    io,
  );
  if (!chosen) return Exit.invalid;
  if (chosen.runtime !== recorded) rewriteRuntime(runDir, chosen.runtime);
  return chosen.runtime === 'torch'
    ? trainInTorchWorker(runDir, true, chosen.python, torchPackageDir(), io)
    : trainInWorker({ type: 'start', runDir, resume: true }, io);
}

function trainInWorker(start: StartMessage, io: CliIo): Promise<number> {
  const progress = new TrainProgress(Boolean(process.stdout.isTTY));
  const began = Date.now();
  return new Promise((resolve) => {
    const child: ChildProcess = fork(workerPath(), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    // Native libraries (Dawn) write warnings to stderr: keep them, and show them only if the worker dies abruptly.
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8_000);
    });
    let final: FinalMessage | undefined;
    let interrupts = 0;
    const onSigint = (): void => {
      interrupts++;
      if (interrupts === 1) {
        io.stdout(progress.line('stopping after the current step (a checkpoint is saved); Ctrl-C again to kill it now'));
        if (child.connected) child.send({ type: 'stop' });
      } else {
        child.kill('SIGKILL');
      }
    };
    process.on('SIGINT', onSigint);
    // `kill PID` reaches this process alone (unlike Ctrl-C, which reaches the whole group): pass the stop on, or the
    // worker would train on as an orphan with status "running".
    process.on('SIGTERM', onSigint);

    child.on('message', (raw) => {
      const m = asWorkerToHost(raw);
      if (!m) return;
      switch (m.type) {
        case 'started':
          progress.start(m.firstStep, m.totalSteps);
          io.stdout(
            progress.line(
              `training on ${m.backend}: ${m.params.toLocaleString('en-US')} parameters, steps ${m.firstStep}–${m.totalSteps} → ${start.runDir}`,
            ),
          );
          break;
        case 'metrics':
          io.stdout(progress.metrics(m));
          break;
        case 'eval':
          io.stdout(progress.evaluation(m));
          break;
        case 'log':
          if (m.level !== 'info') io.stdout(progress.line(`${m.level}: ${m.message.split('\n')[0]}`));
          break;
        case 'checkpoint':
          break;
        default:
          final = m;
      }
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      const took = formatDuration(Date.now() - began);
      if (final?.type === 'finished') {
        io.stdout(progress.line(`completed ${final.step} steps in ${took}; run folder ${start.runDir}`));
        resolve(Exit.ok);
      } else if (final?.type === 'cancelled') {
        io.stdout(
          progress.line(`stopped after step ${final.step} (checkpoint saved); continue with: mlbtc train --resume ${start.runDir}`),
        );
        resolve(EXIT_CANCELLED);
      } else if (final?.type === 'failed') {
        io.stderr(progress.line(`mlbtc train: ${final.message}\n(details in ${path.join(start.runDir, 'worker.log')})`));
        resolve(Exit.invalid);
      } else {
        if (signal && child.pid !== undefined)
          recordDeadWorker(start.runDir, child.pid, `the worker was killed by ${signal}`, 'mlbtc train');
        io.stderr(
          progress.line(
            `mlbtc train: the worker ended without a result (${signal ? `signal ${signal}` : `exit ${code}`}).${stderr ? `\n${stderr.trimEnd()}` : ''}`,
          ),
        );
        resolve(signal === 'SIGKILL' && interrupts > 1 ? EXIT_CANCELLED : Exit.invalid);
      }
    });
    child.send(start);
  });
}
