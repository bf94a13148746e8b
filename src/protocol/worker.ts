/**
 * Messages between a host (the extension's run manager, the CLI) and one training worker (dist/worker.js), sent over
 * the Node IPC channel of child_process.fork. The worker also writes everything to its run folder
 * (src/protocol/run.ts), so these messages are a live feed, never the record: a detached worker has no channel
 * and loses nothing.
 *
 * One interface per message, each with a literal `type`; one union per direction.
 */
import type { LogLevel } from './run';

export type { LogLevel };

/**
 * Environment variable naming folders (path-delimiter separated) where the worker also looks for the optional native
 * tfjs backends (`npm install @tensorflow/tfjs-node-gpu` or `webgpu` run there); the editor sets it from the
 * machine-scoped mlbtc.backendPackages setting. Part of the worker's contract, so hosts set it without loading the
 * engine.
 */
export const BACKEND_PACKAGES_ENV = 'MLBTC_BACKEND_PACKAGES';

/**
 * Folders (path-delimiter separated) outside the spec's workspace that task data may come from, and the data size
 * limit in megabytes: the editor sets them from the machine-scoped mlbtc.dataRoots and mlbtc.dataMaxMegabytes
 * settings; src/data/dataRoots.ts (and the Python runtime) apply them.
 */
export const DATA_ROOTS_ENV = 'MLBTC_DATA_ROOTS';
export const DATA_MAX_MB_ENV = 'MLBTC_DATA_MAX_MB';

// ─── host → worker ──────────────────────────────────────────────────────────────────────────────────────────────

/** Train the run in `runDir` (its spec.json must exist). With `resume`, continue from its last checkpoint. */
export interface StartMessage {
  type: 'start';
  runDir: string;
  resume?: boolean;
}

/** Stop after the current step: save a checkpoint, mark the run cancelled, exit. Same as SIGTERM. */
export interface StopMessage {
  type: 'stop';
}

export type HostToWorker = StartMessage | StopMessage;

// ─── worker → host ──────────────────────────────────────────────────────────────────────────────────────────────

/** The backend started and the model is built; training begins (or resumes). */
export interface StartedMessage {
  type: 'started';
  backend: string;
  /** Trainable parameters of the built model. */
  params: number;
  /** First step this process will run (1 for a new run, checkpoint step + 1 when resuming). */
  firstStep: number;
  totalSteps: number;
  pid: number;
}

/** A training record, as appended to metrics.jsonl. */
export interface MetricsMessage {
  type: 'metrics';
  step: number;
  tokens: number;
  flops: number;
  wallMs: number;
  loss: number;
  lr: number;
}

/** An evaluation, metrics keyed like "val.loss". */
export interface EvalMessage {
  type: 'eval';
  step: number;
  metrics: Record<string, number>;
}

/** A complete checkpoint was written to `path`. */
export interface CheckpointMessage {
  type: 'checkpoint';
  step: number;
  path: string;
}

export interface LogMessage {
  type: 'log';
  level: LogLevel;
  message: string;
}

/** Every configured step ran; the run is completed. */
export interface FinishedMessage {
  type: 'finished';
  step: number;
}

/** Stopped on request (stop message, SIGTERM, SIGINT) after saving a checkpoint at `step`; the run is resumable. */
export interface CancelledMessage {
  type: 'cancelled';
  step: number;
}

/** The run failed: a data error, a backend that cannot start, divergence, a bug. `step` when training had begun. */
export interface FailedMessage {
  type: 'failed';
  message: string;
  step?: number;
}

export type WorkerToHost =
  StartedMessage | MetricsMessage | EvalMessage | CheckpointMessage | LogMessage | FinishedMessage | CancelledMessage | FailedMessage;

/** Messages after which the worker exits. */
export type FinalMessage = FinishedMessage | CancelledMessage | FailedMessage;

/** Narrow an IPC payload (untyped at runtime) to a host message, or null when it is not one. */
export function asHostToWorker(value: unknown): HostToWorker | null {
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (m.type === 'stop') return { type: 'stop' };
  if (m.type === 'start' && typeof m.runDir === 'string' && (m.resume === undefined || typeof m.resume === 'boolean')) {
    return { type: 'start', runDir: m.runDir, ...(m.resume !== undefined ? { resume: m.resume } : {}) };
  }
  return null;
}

const workerTypes: ReadonlySet<string> = new Set(['started', 'metrics', 'eval', 'checkpoint', 'log', 'finished', 'cancelled', 'failed']);

/** Narrow an IPC payload to a worker message by its `type` (the worker is trusted code; fields are not re-checked). */
export function asWorkerToHost(value: unknown): WorkerToHost | null {
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && workerTypes.has(type) ? (value as WorkerToHost) : null;
}
