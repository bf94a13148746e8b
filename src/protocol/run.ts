/**
 * The run folder: the on-disk contract between the process that trains (the only writer: the tfjs worker
 * src/engine/worker.ts, or the PyTorch worker `python -m mlbtc_torch.worker`, whose src/pytorch/mlbtc_torch/runfolder.py
 * writes the same files byte for byte) and everything that reads runs (the run store, the CLI, the extension's views).
 * One folder per run:
 *
 *   <run>/spec.json         RunSpecFile, written once when the run is created (before the worker starts)
 *   <run>/status.json       RunStatus, replaced atomically (temp file, fsync, rename) on every change and heartbeat
 *   <run>/metrics.jsonl     one MetricRecord per line, appended while training
 *   <run>/worker.log        human-readable log lines of the worker
 *   <run>/stop              a stop request (who asked), written by any window or `mlbtc stop`, read by the worker
 *   <run>/checkpoints/step-<N>/   a complete checkpoint (CheckpointFiles), renamed into place only when complete
 *   <run>/worker.lock       held by the one worker training the folder, for its whole life (runfolder/workerClaim.ts)
 *
 * Pure types and pure helpers only: no fs here, so webviews and core-side code can import it.
 */
import type { ResolvedSpec } from '../core/spec/resolve';
import type { TrainingMemory } from '../core/analysis/resources';

export const RUN_FORMAT_VERSION = 1;

/** File and folder names inside a run folder. */
export const RunFiles = {
  spec: 'spec.json',
  status: 'status.json',
  metrics: 'metrics.jsonl',
  log: 'worker.log',
  checkpoints: 'checkpoints',
  workerLock: 'worker.lock',
  /**
   * A stop request (runfolder/stopRequest.ts): one line naming who asked. Every worker checks for it between steps
   * and then stops as on SIGTERM (checkpoint, "cancelled"); resuming the run removes it.
   */
  stop: 'stop',
} as const;

/**
 * Files inside one checkpoint folder: the same in both runtimes (tfjs and PyTorch write and read each other's), and
 * the tensors are plain safetensors (src/protocol/safetensors.ts), so `safetensors.torch.load_file` opens them.
 */
export const CheckpointFiles = {
  /** CheckpointMeta (JSON). */
  meta: 'state.json',
  /** Every parameter, F32, keyed by its NamedParam name. */
  model: 'model.safetensors',
  /** AdamW moments of every parameter: `m.<name>` and `v.<name>`, F32. */
  optimizer: 'optimizer.safetensors',
} as const;

/** Key of a parameter's AdamW first (m) or second (v) moment in optimizer.safetensors. */
export const momentKey = (moment: 'm' | 'v', param: string): string => `${moment}.${param}`;

/** Version of the checkpoint folder layout (1 was weights.bin/moments.bin, before PyTorch could read checkpoints). */
export const CHECKPOINT_FORMAT_VERSION = 2;

/** At most this many checkpoints are kept; older ones are deleted after a newer one is complete. */
export const CHECKPOINTS_KEPT = 2;

/** The worker refreshes status.heartbeat at least this often while it is alive. */
export const HEARTBEAT_INTERVAL_MS = 2_000;

/**
 * A "running" status whose heartbeat is older than this belongs to a process that died without saying so
 * (killed, machine slept, crash in native code): readers show it as "interrupted". Generous, because a worker
 * blocked in one long synchronous tfjs call (a big evaluation on the cpu backend) cannot refresh its heartbeat.
 */
export const HEARTBEAT_STALE_MS = 60_000;

export const checkpointDirName = (step: number): string => `step-${step}`;

/** The step of a checkpoint folder name, or null for anything else (e.g. an unfinished temp folder). */
export function checkpointStepOf(dirName: string): number | null {
  const m = /^step-(\d+)$/.exec(dirName);
  return m ? Number(m[1]) : null;
}

// ─── spec.json ──────────────────────────────────────────────────────────────────────────────────────────────────

/** Command-line or UI overrides applied on top of the spec file's `training` block (already merged into `spec`). */
export interface RunOverrides {
  steps?: number;
  seed?: number;
  backend?: ResolvedSpec['training']['backend'];
  /** The runtime chosen when the run was created (or named again by a resume): never "auto" once recorded. */
  runtime?: Exclude<ResolvedSpec['training']['runtime'], 'auto'>;
  device?: ResolvedSpec['training']['device'];
  precision?: ResolvedSpec['training']['precision'];
}

export interface RunSpecFile {
  version: typeof RUN_FORMAT_VERSION;
  /** Run name: the spec name plus a timestamp, also the folder name by default. */
  name: string;
  createdAt: string;
  /** The structure file the run was started from, as it was at that moment. */
  source: { path: string; text: string };
  /** The resolved spec with the overrides applied: what the worker trains. */
  spec: ResolvedSpec;
  overrides: RunOverrides;
  /**
   * Training FLOPs of one optimiser step (src/engine/train/flops.ts), computed once from core analyze() when the run
   * is created, so a runtime without the TypeScript analysis (PyTorch) counts compute exactly as tfjs does.
   * Absent in run folders created before the PyTorch runtime.
   */
  flopsPerStep?: number;
  /**
   * The memory estimate of the resource check (core/analysis/resources.ts trainingMemory), recorded when the run is
   * created so the PyTorch worker applies the same check without the TypeScript analysis. Absent in older folders:
   * that worker then does no check.
   */
  trainingMemory?: TrainingMemory;
}

// ─── status.json ────────────────────────────────────────────────────────────────────────────────────────────────

export type RunState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

export const RUN_STATES: readonly RunState[] = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'];

export const FINAL_STATES: readonly RunState[] = ['completed', 'failed', 'cancelled'];

export interface RunStatus {
  version: typeof RUN_FORMAT_VERSION;
  state: RunState;
  /** Process id of the worker while it runs (null before it starts). */
  pid: number | null;
  /** ISO time of the worker's last sign of life. */
  heartbeat: string | null;
  /** The device actually used: a tfjs backend ("wasm") or a torch device ("cuda:0"); null until the worker started one. */
  backend: string | null;
  /** What trains the run, e.g. "tfjs 4.22.0 · wasm", "torch 2.13.0 · cuda:0 NVIDIA H200 · bf16" (null or absent before). */
  runtime?: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** Why the run ended: "completed 2000 steps", "diverged at step 812 (loss NaN)", "stopped by SIGTERM", an error. */
  exitReason: string | null;
  /** Last completed optimiser step. */
  step: number;
  /** Steps the run is configured to reach. */
  totalSteps: number;
}

export function initialStatus(totalSteps: number): RunStatus {
  return {
    version: RUN_FORMAT_VERSION,
    state: 'queued',
    pid: null,
    heartbeat: null,
    backend: null,
    runtime: null,
    startedAt: null,
    endedAt: null,
    exitReason: null,
    step: 0,
    totalSteps,
  };
}

export type StatusRead = { status: RunStatus; problem?: undefined } | { status: null; problem: string };

/** Checks for the fields of status.json (a hand-edited or foreign file must not pass as a status). */
const nullableString = (v: unknown) => v === null || typeof v === 'string';
const nullableNumber = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

/**
 * status.json checked field by field: the folder may come from another version or a hand edit (a worker cannot
 * tear it, since it is replaced atomically). `file` names it in the problem. Never throws.
 */
export function parseStatus(text: string, file: string): StatusRead {
  let v: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { status: null, problem: `${file}: not a JSON object` };
    v = parsed as Record<string, unknown>;
  } catch (e) {
    return { status: null, problem: `${file}: not valid JSON (${(e as Error).message})` };
  }
  if (v.version !== RUN_FORMAT_VERSION)
    return { status: null, problem: `${file}: run format version ${JSON.stringify(v.version)}; this version reads ${RUN_FORMAT_VERSION}` };
  if (!RUN_STATES.includes(v.state as RunState))
    return { status: null, problem: `${file}: state ${JSON.stringify(v.state)} is not one of ${RUN_STATES.join(', ')}` };
  const fields: [string, (x: unknown) => boolean, string][] = [
    ['pid', nullableNumber, 'a number or null'],
    ['heartbeat', nullableString, 'an ISO time or null'],
    ['backend', nullableString, 'a string or null'],
    ['runtime', (x) => x === undefined || nullableString(x), 'a string or null'],
    ['startedAt', nullableString, 'an ISO time or null'],
    ['endedAt', nullableString, 'an ISO time or null'],
    ['exitReason', nullableString, 'a string or null'],
    ['step', (x) => typeof x === 'number' && Number.isFinite(x), 'a number'],
    ['totalSteps', (x) => typeof x === 'number' && Number.isFinite(x), 'a number'],
  ];
  for (const [key, ok, expected] of fields) {
    if (!ok(v[key])) return { status: null, problem: `${file}: "${key}" should be ${expected} (got ${JSON.stringify(v[key])})` };
  }
  // A folder from before runtimes were recorded has no "runtime": read it as not known.
  return { status: { ...v, runtime: v.runtime ?? null } as unknown as RunStatus };
}

/**
 * The state a reader should show: a "running" run whose heartbeat went stale is "interrupted" (its worker is gone
 * without having written a final state). The status file itself is never rewritten by readers; only a worker that
 * resumes the run writes it again.
 */
export function effectiveState(status: RunStatus, now: number = Date.now()): RunState {
  if (status.state !== 'running') return status.state;
  const beat = status.heartbeat ? Date.parse(status.heartbeat) : NaN;
  return Number.isFinite(beat) && now - beat <= HEARTBEAT_STALE_MS ? 'running' : 'interrupted';
}

// ─── metrics.jsonl ──────────────────────────────────────────────────────────────────────────────────────────────

/** The keys of MetricPosition, in the order exports and axis pickers list them. */
export const METRIC_POSITION_KEYS = ['step', 'tokens', 'flops', 'wallMs'] as const;
export type MetricPositionKey = (typeof METRIC_POSITION_KEYS)[number];

/** Fields every metric record carries: where in training it was taken. */
export interface MetricPosition extends Record<MetricPositionKey, number> {
  /** Optimiser steps completed when the record was taken. */
  step: number;
  /** Training tokens consumed so far (Batch.tokens summed). */
  tokens: number;
  /**
   * Cumulative training FLOPs so far: 6 × forward MACs of the step's sequences (forward 2 FLOPs per MAC, backward
   * twice the forward), with forward MACs from core analyze() — see src/engine/train/flops.ts.
   */
  flops: number;
  /** Training wall time so far in milliseconds, excluding evaluation and checkpoint writing, summed across resumes. */
  wallMs: number;
}

export interface TrainRecord extends MetricPosition {
  kind: 'train';
  /** Mean training loss of the steps since the previous train record (the task's loss, e.g. nats or MSE). */
  loss: number;
  /** Base learning rate of the last step, after the schedule (before per-tensor µP scales). */
  lr: number;
}

/** An evaluation: the task's metrics spread into the record, keyed like "val.loss", "val.bpc", "test.mse". */
export interface EvalRecord extends MetricPosition {
  kind: 'eval';
  [metric: string]: number | string;
}

export type MetricRecord = TrainRecord | EvalRecord;

/** Where a new run starts. */
export const START_POSITION: MetricPosition = { step: 0, tokens: 0, flops: 0, wallMs: 0 };

export function formatMetricLine(record: MetricRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** One complete line of metrics.jsonl (without its newline); null for anything that is not a metric record. */
export function parseMetricLine(line: string): MetricRecord | null {
  try {
    const value = JSON.parse(line) as unknown;
    return isMetricRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Parse metrics.jsonl. A final line without its newline is a record still being written and is skipped; so is any
 * line that is not a JSON object with a known kind (readers must survive a torn or hand-edited file).
 */
export function parseMetricLines(text: string): MetricRecord[] {
  const lines = text.split('\n');
  lines.pop(); // the text after the last newline: empty, or a partial record
  const records: MetricRecord[] = [];
  for (const line of lines) {
    const record = line.trim() ? parseMetricLine(line) : null;
    if (record) records.push(record); // anything else is a torn or foreign line: skipped
  }
  return records;
}

/** True for a parsed JSON value that is a metric record (exported for streaming readers that parse line by line). */
export function isMetricRecord(value: unknown): value is MetricRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (r.kind === 'train' || r.kind === 'eval') && typeof r.step === 'number';
}

// ─── worker.log ─────────────────────────────────────────────────────────────────────────────────────────────────

/** Levels of worker.log lines (and of the worker's log messages). */
export type LogLevel = 'info' | 'warn' | 'error';

/** One line the worker writes: `<ISO time> <level padded to 5> <message>`. */
export function formatLogLine(level: LogLevel, message: string, at: Date = new Date()): string {
  return `${at.toISOString()} ${level.padEnd(5)} ${message}\n`;
}

export interface LogLine {
  /** null for anything else in the file: the process's raw stdout/stderr (a crash trace), which launchers append. */
  level: LogLevel | null;
  message: string;
}

const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z (info|warn|error)\s?(.*)$/;

/** A line of worker.log (without its newline), as formatLogLine wrote it, or raw process output. */
export function parseLogLine(line: string): LogLine {
  const m = LOG_LINE.exec(line);
  // The level is padded to five characters ("info ", "warn "): drop the padding, keep the message's own spaces.
  return m ? { level: m[1] as LogLevel, message: m[2]!.replace(/^ +/, '') } : { level: null, message: line };
}

// ─── checkpoints ────────────────────────────────────────────────────────────────────────────────────────────────

/** One parameter of a checkpoint, in the model's parameter order. */
export interface CheckpointTensor {
  name: string;
  shape: number[];
}

export interface CheckpointMeta {
  version: typeof CHECKPOINT_FORMAT_VERSION;
  /** Optimiser steps completed. The run continues with step + 1. */
  step: number;
  position: MetricPosition;
  /**
   * The runtime that wrote it, as status.json's `runtime` ("tfjs 4.22.0 · wasm", "torch 2.13.0 · cpu · fp32").
   * Exact resumption (bit-identical losses) holds on the same runtime; any runtime can continue any checkpoint.
   */
  runtime: string;
  createdAt: string;
  /** Parameter names and shapes in the writer's order (the tensors themselves are looked up by name). */
  params: CheckpointTensor[];
  /** AdamW's step counter (bias corrections). */
  optimizerStep: number;
  /** Task state (data RNG, cursor, curriculum) from Task.state(). */
  task: unknown;
  /** Training losses since the last train record, so a resumed run writes the same next record. */
  pendingLosses: number[];
}
