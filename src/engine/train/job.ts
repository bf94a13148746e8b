/**
 * One training job on one run folder, from start (or the last checkpoint) to a final state. The worker process runs
 * exactly one; tests run it in-process. It owns the run folder while it runs: status.json (with heartbeat),
 * metrics.jsonl, worker.log and checkpoints, and reports the same events to `emit` (the worker forwards them over
 * IPC).
 *
 * Step numbering: steps are 1-based; a record or checkpoint "at step N" is taken after N optimiser steps.
 * Logging: a train record every logEvery steps holds the mean loss of the steps since the previous record; an eval
 * record every evalEvery steps; a checkpoint every checkpointEvery steps; all three also after the last step.
 * Exact resumption: a checkpoint holds weights, AdamW moments and step, the task state (its RNG and curriculum) and
 * the losses not yet logged, and metrics.jsonl is cut back to the checkpoint's step, so a resumed run writes the
 * same losses and records an uninterrupted run would have written (same backend; wall times aside).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { version_core as tfjsVersion } from '@tensorflow/tfjs-core';
import { Rng } from '../../core/random';
import type { ResolvedSpec } from '../../core/spec/resolve';
import { HEARTBEAT_INTERVAL_MS, START_POSITION, type MetricPosition } from '../../protocol/run';
import type { FinalMessage, LogLevel, WorkerToHost } from '../../protocol/worker';
import { startBackend } from '../backend';
import { buildModel } from '../model';
import { readRunSpec, RunFolderWriter } from '../../runfolder/runFolder';
import { newestReadableCheckpoint } from '../../runfolder/checkpoints';
import { claimRunFolder } from '../../runfolder/workerClaim';
import { stopRequestOf } from '../../runfolder/stopRequest';
import { createTask, DataError } from '../tasks';
import type { Model, Task, TaskContext } from '../types';
import { readCheckpoint, restoreParams, snapshotParams, writeCheckpointFiles } from './checkpoint';
import { trainingFlopsPerStep } from '../../core/analysis/flops';
import { memoryProblem } from '../../core/analysis/resources';
import { DivergedError, Trainer } from './trainer';
import { StopRequested, stopPoint } from './stop';

/** How a job builds its model and task: the engine's own by default; tests substitute small ones. */
export interface JobDependencies {
  buildModel(spec: ResolvedSpec, rng: Rng): Model;
  createTask(ctx: TaskContext): Task;
}

export const engineDependencies: JobDependencies = { buildModel, createTask };

export interface JobOptions {
  runDir: string;
  /** Continue from the last checkpoint (a run without one starts from step 1). */
  resume?: boolean;
  emit?: (message: WorkerToHost) => void;
  /** Polled between steps; a reason (e.g. "SIGTERM") stops the run after a checkpoint, as "cancelled". */
  stopRequested?: () => string | null;
  dependencies?: JobDependencies;
}

/** Let timers (heartbeat), signals and IPC messages (stop) run between steps. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runJob(options: JobOptions): Promise<FinalMessage> {
  const emit = options.emit ?? (() => {});
  const deps = options.dependencies ?? engineDependencies;
  // Before anything is written: a folder another worker holds, or one that completed, is refused untouched.
  const claim = claimRunFolder(options.runDir, options.resume === true);
  if (claim.refused !== undefined) {
    const refused: FinalMessage = { type: 'failed', message: claim.refused };
    emit(refused);
    return refused;
  }
  let writer: RunFolderWriter;
  try {
    writer = new RunFolderWriter(options.runDir);
  } catch (e) {
    claim.lock.release();
    throw e;
  }
  const log = (level: LogLevel, message: string): void => {
    writer.log(level, message);
    emit({ type: 'log', level, message });
  };
  const finish = (message: FinalMessage): FinalMessage => {
    writer.stopHeartbeat();
    emit(message);
    return message;
  };

  let step = 0;
  const betweenBatches = stopPoint(options.stopRequested);
  let model: Model | undefined;
  let trainer: Trainer | undefined;
  try {
    const runSpec = readRunSpec(options.runDir);
    const spec = runSpec.spec;
    const t = spec.training;
    const before = writer.currentStatus;
    writer.updateStatus({
      state: 'running',
      pid: process.pid,
      startedAt: before.startedAt ?? new Date().toISOString(),
      endedAt: null,
      exitReason: null,
      totalSteps: t.steps,
    });
    writer.startHeartbeat(HEARTBEAT_INTERVAL_MS);

    const backend = await startBackend(t.backend, (line) => log('info', line));
    const runtime = `tfjs ${tfjsVersion} · ${backend.name}`;
    writer.updateStatus({ backend: backend.name, runtime });
    log('info', `backend ${backend.description}`);
    await betweenBatches(); // a stop during start-up ends here, before the model is built
    const tooBig = memoryProblem(spec, { freeBytes: os.freemem(), backend: backend.name });
    if (tooBig) throw new Error(tooBig);

    // One seed, two independent streams: initialisation, then data. Task.state() carries the data stream onward.
    const root = new Rng(t.seed);
    model = deps.buildModel(spec, root.fork());
    const task = deps.createTask({ spec, specDir: path.dirname(runSpec.source.path), rng: root.fork() });
    trainer = new Trainer(model, task, t);
    const params = model.params.reduce((n, p) => n + p.variable.size, 0);
    log('info', `${spec.name}: ${params.toLocaleString('en-US')} parameters; ${task.describe()}`);

    const flopsPerStep = trainingFlopsPerStep(spec);
    let position: MetricPosition = START_POSITION;
    let pendingLosses: number[] = [];
    const latest = options.resume ? newestReadableCheckpoint(options.runDir, readCheckpoint, (m) => log('warn', m)) : undefined;
    if (latest) {
      const checkpoint = latest.value;
      trainer.optimizer.setState(restoreParams(model.params, checkpoint, latest.path));
      task.restore(checkpoint.meta.task);
      position = checkpoint.meta.position;
      pendingLosses = [...checkpoint.meta.pendingLosses];
      if (checkpoint.meta.runtime !== runtime) {
        const differ = 'losses will differ slightly from an uninterrupted run';
        log('warn', `the checkpoint was written by ${checkpoint.meta.runtime} and training continues on ${runtime}: ${differ}`);
      }
      log('info', `resuming from ${latest.path} after step ${checkpoint.meta.step}`);
    } else if (options.resume) {
      log('info', 'no checkpoint to resume from: starting from step 1');
    }
    // Records a previous worker wrote after the step training restarts from would otherwise appear twice.
    writer.truncateMetricsAfter(position.step);
    step = position.step;
    let lastCheckpoint = latest ? step : -1;

    const checkpoint = async (): Promise<void> => {
      const content = {
        step,
        position,
        runtime,
        params: await snapshotParams(model!.params),
        optimizer: await trainer!.optimizer.getState(),
        task: task.state(),
        pendingLosses,
      };
      const dir = writer.saveCheckpoint(step, (tmp) => writeCheckpointFiles(tmp, content));
      lastCheckpoint = step;
      writer.updateStatus({ step });
      emit({ type: 'checkpoint', step, path: dir });
    };

    emit({ type: 'started', backend: backend.name, params, firstStep: step + 1, totalSteps: t.steps, pid: process.pid });
    while (step < t.steps) {
      const stop = options.stopRequested?.() ?? stopRequestOf(options.runDir);
      if (stop) {
        if (step > 0 && lastCheckpoint !== step) await checkpoint();
        const reason = `stopped by ${stop} after step ${step}`;
        log('info', reason);
        writer.updateStatus({ state: 'cancelled', step, endedAt: new Date().toISOString(), exitReason: reason });
        return finish({ type: 'cancelled', step });
      }
      const started = performance.now();
      const result = await trainer.step(step + 1);
      step = result.step;
      position = {
        step,
        tokens: position.tokens + result.tokens,
        flops: position.flops + flopsPerStep,
        wallMs: position.wallMs + (performance.now() - started),
      };
      pendingLosses.push(result.loss);
      writer.noteStep(step);
      const last = step === t.steps;
      if (step % t.logEvery === 0 || last) {
        const loss = pendingLosses.reduce((a, b) => a + b, 0) / pendingLosses.length;
        pendingLosses = [];
        const record = { kind: 'train' as const, ...roundedPosition(position), loss, lr: result.lr };
        writer.appendMetric(record);
        emit({ type: 'metrics', ...roundedPosition(position), loss, lr: result.lr });
      }
      if (step % t.evalEvery === 0 || last) {
        const metrics = await trainer.evaluate(step, betweenBatches);
        writer.appendMetric({ kind: 'eval', ...roundedPosition(position), ...metrics });
        emit({ type: 'eval', step, metrics });
      }
      if (step % t.checkpointEvery === 0 || last) await checkpoint();
      await yieldToEventLoop();
    }
    const reason = `completed ${step} steps`;
    log('info', reason);
    writer.updateStatus({ state: 'completed', step, endedAt: new Date().toISOString(), exitReason: reason });
    return finish({ type: 'finished', step });
  } catch (e) {
    if (e instanceof StopRequested) return finish(stoppedMidway(writer, log, e, step));
    const message = failureMessage(e);
    if (!(e instanceof DivergedError || e instanceof DataError)) log('error', e instanceof Error && e.stack ? e.stack : message);
    else log('error', message);
    writer.updateStatus({ state: 'failed', step, endedAt: new Date().toISOString(), exitReason: message });
    return finish({ type: 'failed', message, ...(step > 0 ? { step } : {}) });
  } finally {
    trainer?.dispose();
    model?.dispose();
    claim.lock.release();
  }
}

/**
 * A stop that arrived during start-up or an evaluation: no checkpoint is written for the step in flight (its
 * evaluation record would be missing from a run resumed there), so a resume continues from the last checkpoint and
 * redoes the evaluation.
 */
function stoppedMidway(
  writer: RunFolderWriter,
  log: (level: LogLevel, message: string) => void,
  stop: StopRequested,
  step: number,
): FinalMessage {
  const when = step > 0 ? `during the evaluation after step ${step}` : 'while starting';
  const reason = `stopped by ${stop.by} ${when}; a resume continues from the last checkpoint`;
  log('info', reason);
  writer.updateStatus({ state: 'cancelled', endedAt: new Date().toISOString(), exitReason: reason });
  return { type: 'cancelled', step };
}

function failureMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Wall time to 0.1 ms in the records: finer digits are noise and only lengthen metrics.jsonl. */
function roundedPosition(p: MetricPosition): MetricPosition {
  return { ...p, wallMs: Math.round(p.wallMs * 10) / 10 };
}
