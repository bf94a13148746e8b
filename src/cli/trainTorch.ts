/**
 * `mlbtc train` with the PyTorch runtime: `<python> -m mlbtc_torch.worker RUN_DIR [--resume]` in the foreground.
 * The Python worker has no IPC channel; it reports through its run folder like any detached worker, so progress is
 * read from status.json and metrics.jsonl (polled) and drawn with the same TrainProgress as the tfjs worker's
 * messages. Its output goes to worker.log.
 *
 * Ctrl-C reaches the worker too (same process group); `kill` of this process alone is passed on as SIGTERM. Either
 * way the worker finishes its step, saves a checkpoint and ends "cancelled"; a second one kills it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDuration } from '../core/format';
import { RunFiles, type MetricRecord } from '../protocol/run';
import { readStatus } from '../runfolder/runFolder';
import { MetricsTail } from '../runs/metrics';
import type { PythonInterpreter } from '../runs/python';
import { invocationEnv, workerInvocation } from '../runs/workerInvocation';
import { Exit, type CliIo } from './command';
import { TrainProgress } from './trainProgress';

/** Exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report an interrupted command. */
export const EXIT_CANCELLED = 130;

const POLL_MS = 250;

export function trainInTorchWorker(
  runDir: string,
  resume: boolean,
  python: PythonInterpreter,
  packageDir: string,
  io: CliIo,
): Promise<number> {
  const progress = new TrainProgress(Boolean(process.stdout.isTTY));
  const began = Date.now();
  // A resumed run's worker rewinds metrics.jsonl to its checkpoint: show only what it appends from now on.
  const tail = new MetricsTail(path.join(runDir, RunFiles.metrics), { fromEnd: resume });
  const log = fs.openSync(path.join(runDir, RunFiles.log), 'a');
  const invocation = workerInvocation({ runtime: 'torch', python: python.path, packageDir }, runDir, resume);
  const [command, ...args] = invocation.argv;
  const child = spawn(command!, args, {
    cwd: runDir,
    stdio: ['ignore', log, log],
    env: invocationEnv(invocation, process.env),
    windowsHide: true,
    shell: false,
  });
  fs.closeSync(log);
  let started = false;
  let interrupts = 0;

  const show = (records: MetricRecord[]): void => {
    for (const r of records) {
      if (r.kind === 'train')
        io.stdout(
          progress.metrics({ type: 'metrics', step: r.step, tokens: r.tokens, flops: r.flops, wallMs: r.wallMs, loss: r.loss, lr: r.lr }),
        );
      else {
        const metrics = Object.fromEntries(
          Object.entries(r).filter((e): e is [string, number] => e[0].includes('.') && typeof e[1] === 'number'),
        );
        io.stdout(progress.evaluation({ type: 'eval', step: r.step, metrics }));
      }
    }
  };
  const poll = (): void => {
    const status = readStatus(runDir).status;
    if (!started && status?.state === 'running' && status.runtime) {
      started = true;
      progress.start(status.step + 1, status.totalSteps);
      io.stdout(progress.line(`training on ${status.runtime} (${python.path}), steps ${status.step + 1}–${status.totalSteps} → ${runDir}`));
    }
    if (started) show(tail.poll().records);
  };
  const timer = setInterval(poll, POLL_MS);
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      io.stdout(progress.line('stopping after the current step (a checkpoint is saved); Ctrl-C again to kill it now'));
      child.kill('SIGTERM');
    } else {
      child.kill('SIGKILL');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  return new Promise((resolve) => {
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      if (done) return; // a spawn error may be followed by an exit event
      done = true;
      clearInterval(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (error) {
        io.stderr(progress.line(`mlbtc train: cannot run ${python.path} (${python.how}): ${error.message}`));
        return resolve(Exit.invalid);
      }
      poll();
      const status = readStatus(runDir).status;
      const took = formatDuration(Date.now() - began);
      if (status?.state === 'completed') {
        io.stdout(progress.line(`completed ${status.step} steps in ${took}; run folder ${runDir}`));
        resolve(Exit.ok);
      } else if (status?.state === 'cancelled') {
        io.stdout(progress.line(`stopped after step ${status.step} (checkpoint saved); continue with: mlbtc train --resume ${runDir}`));
        resolve(EXIT_CANCELLED);
      } else if (status?.state === 'failed') {
        io.stderr(progress.line(`mlbtc train: ${status.exitReason ?? 'the run failed'}\n(details in ${path.join(runDir, RunFiles.log)})`));
        resolve(Exit.invalid);
      } else {
        io.stderr(
          progress.line(
            `mlbtc train: the PyTorch worker ended without a result (${signal ? `signal ${signal}` : `exit ${code}`}); its output is in ${path.join(runDir, RunFiles.log)}`,
          ),
        );
        resolve(signal === 'SIGKILL' && interrupts > 1 ? EXIT_CANCELLED : Exit.invalid);
      }
    };
    child.once('error', (e) => finish(null, null, e));
    child.once('exit', (code, signal) => finish(code, signal));
  });
}
