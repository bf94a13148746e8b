/**
 * The writer side of the run folder (formats in src/protocol/run.ts). One worker process writes one folder;
 * readers never write. Every file that is replaced (spec.json, status.json, checkpoints) is replaced atomically,
 * so a reader, or a resume after a crash or power loss, sees the old version or the new one, never a torn file:
 * write a temp file, fsync it, rename it over the target, fsync the folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CHECKPOINTS_KEPT,
  FINAL_STATES,
  RUN_FORMAT_VERSION,
  RunFiles,
  checkpointDirName,
  checkpointStepOf,
  formatLogLine,
  formatMetricLine,
  initialStatus,
  parseStatus,
  parseMetricLines,
  type LogLevel,
  type MetricRecord,
  type RunOverrides,
  type RunSpecFile,
  type RunStatus,
  type StatusRead,
} from '../protocol/run';
import type { ResolvedHeadGroup, ResolvedSpec } from '../core/spec/resolve';
import { isProcessAlive } from './process';
import { trainingFlopsPerStep } from '../core/analysis/flops';
import { trainingMemory } from '../core/analysis/resources';

/** Temp files and folders are named with these prefixes and the writer's pid, so leftovers can be recognised. */
const TMP_PREFIX = '.tmp-';
const TRASH_PREFIX = '.trash-';

/** Replace `file` with `data` atomically and durably. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}${TMP_PREFIX}${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    if (typeof data === 'string') fs.writeSync(fd, data);
    else fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/**
 * Remove what an earlier worker of this run left when it was killed mid-write: unfinished checkpoint folders and
 * checkpoints it was deleting (only workers write checkpoints/, and one at a time), and `<file>.tmp-<pid>` files of
 * processes that are gone (a live manager may be replacing status.json right now, so its temp file stays).
 */
function sweepLeftovers(dir: string): void {
  const checkpoints = path.join(dir, RunFiles.checkpoints);
  if (fs.existsSync(checkpoints)) {
    for (const name of fs.readdirSync(checkpoints)) {
      if (name.startsWith(TMP_PREFIX) || name.startsWith(TRASH_PREFIX))
        fs.rmSync(path.join(checkpoints, name), { recursive: true, force: true });
    }
  }
  for (const name of fs.readdirSync(dir)) {
    const pid = /\.tmp-(\d+)$/.exec(name)?.[1];
    if (pid !== undefined && !isProcessAlive(Number(pid))) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** Make a rename or unlink inside `dir` durable. */
function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

export interface NewRun {
  spec: ResolvedSpec;
  sourcePath: string;
  sourceText: string;
  overrides: RunOverrides;
  /** Defaults to the folder's base name. */
  name?: string;
}

/**
 * Create a run folder for a new run: spec.json and a "queued" status.json. The host calls this before starting a
 * worker on the folder. The claim is atomic: spec.json is linked into place (link fails when the name exists), so of
 * two creators racing for one folder exactly one succeeds and the other changes nothing. A folder that already holds
 * anything else is refused too: its stray files (an old checkpoints/step-N) would be adopted by the new run.
 */
export function createRunFolder(dir: string, run: NewRun): RunSpecFile {
  if (dir.trim() === '') throw new Error('the run folder name is empty; give a folder, e.g. --out runs/first');
  makeDirs(dir);
  const held = fs.readdirSync(dir);
  if (held.includes(RunFiles.spec))
    throw new Error(`${dir} already holds a run (${RunFiles.spec} exists). Choose another --out folder, or resume it with --resume.`);
  if (held.length) {
    const listed = `${held.slice(0, 3).join(', ')}${held.length > 3 ? ', ...' : ''}`;
    throw new Error(`${dir} is not empty (${listed}) and holds no run; choose a new or empty folder.`);
  }
  const file: RunSpecFile = {
    version: RUN_FORMAT_VERSION,
    name: run.name ?? path.basename(path.resolve(dir)),
    createdAt: new Date().toISOString(),
    source: { path: run.sourcePath, text: run.sourceText },
    spec: run.spec,
    overrides: run.overrides,
    flopsPerStep: trainingFlopsPerStep(run.spec),
    trainingMemory: trainingMemory(run.spec),
  };
  if (!writeFileExclusive(path.join(dir, RunFiles.spec), `${JSON.stringify(file, null, 2)}\n`)) {
    throw new Error(`${dir} already holds a run (${RunFiles.spec} was created by another process just now). Choose another --out folder.`);
  }
  writeJsonAtomic(path.join(dir, RunFiles.status), initialStatus(run.spec.training.steps));
  fs.mkdirSync(path.join(dir, RunFiles.checkpoints));
  return file;
}

/** Write `file` complete and durable under its name only if the name is free; false when it is taken. */
function writeFileExclusive(file: string, data: string): boolean {
  const tmp = `${file}${TMP_PREFIX}${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  fsyncDir(path.dirname(file));
  return true;
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir loops forever where a parent cannot hold folders (/proc/x).
 * Throws naming the folder that could not be made.
 */
export function makeDirs(dir: string): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let d = target; !isDirectory(d); d = path.dirname(d)) {
    if (path.dirname(d) === d) break;
    missing.unshift(d);
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && isDirectory(d)) continue;
      throw new Error(`cannot create the folder ${d} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
}

function isDirectory(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

export function readRunSpec(dir: string): RunSpecFile {
  const file = path.join(dir, RunFiles.spec);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read the run's spec (${(e as NodeJS.ErrnoException).code ?? String(e)}); is ${dir} a run folder?`);
  }
  let value: RunSpecFile;
  try {
    value = JSON.parse(text) as RunSpecFile;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message}); the run's spec is damaged`);
  }
  if (value.version !== RUN_FORMAT_VERSION)
    throw new Error(`${file}: run format version ${String(value.version)}, this worker writes ${RUN_FORMAT_VERSION}.`);
  return { ...value, spec: withLayers(value.spec) };
}

/**
 * Folders written before per-layer structures hold `groups` (one layer's head groups) instead of `layers`: read
 * them as every block having those groups (docs/formats.md), so old runs resume and compare unchanged.
 */
function withLayers(spec: ResolvedSpec): ResolvedSpec {
  const legacy = spec as ResolvedSpec & { groups?: ResolvedHeadGroup[] };
  if (legacy.layers !== undefined || legacy.groups === undefined) return spec;
  const { groups, ...rest } = legacy;
  return { ...rest, layers: Array.from({ length: spec.model.layers }, () => ({ groups })) };
}

/** The run's status, or why it cannot be used. Never throws. */
export function readStatus(runDir: string): StatusRead {
  const file = path.join(runDir, RunFiles.status);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { status: null, problem: `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
  return parseStatus(text, file);
}

/** The run's status, for a caller that cannot go on without it: throws the problem otherwise. */
export function readRunStatus(runDir: string): RunStatus {
  const read = readStatus(runDir);
  if (!read.status) throw new Error(read.problem);
  return read.status;
}

/** Complete checkpoints of a run, oldest first. Unfinished temp folders are ignored. */
export function listCheckpoints(dir: string): { step: number; path: string }[] {
  const root = path.join(dir, RunFiles.checkpoints);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .map((name) => ({ step: checkpointStepOf(name), path: path.join(root, name) }))
    .filter((c): c is { step: number; path: string } => c.step !== null)
    .sort((a, b) => a.step - b.step);
}

/** The worker's handle on its run folder. */
export class RunFolderWriter {
  private status: RunStatus;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(readonly dir: string) {
    this.status = readRunStatus(dir);
    sweepLeftovers(dir);
  }

  get currentStatus(): Readonly<RunStatus> {
    return this.status;
  }

  /** Merge `patch` into status.json (atomically) and refresh the heartbeat. */
  updateStatus(patch: Partial<RunStatus>): void {
    this.status = { ...this.status, ...patch, heartbeat: new Date().toISOString() };
    writeJsonAtomic(path.join(this.dir, RunFiles.status), this.status);
  }

  /** Record the last completed step without writing: the next heartbeat or status update persists it. */
  noteStep(step: number): void {
    this.status = { ...this.status, step };
  }

  /** Refresh the heartbeat every `intervalMs` while the event loop turns (the training loop yields every step). */
  startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => {
      if (!FINAL_STATES.includes(this.status.state)) this.updateStatus({});
    }, intervalMs);
    this.heartbeatTimer.unref();
  }

  stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  appendMetric(record: MetricRecord): void {
    fs.appendFileSync(path.join(this.dir, RunFiles.metrics), formatMetricLine(record));
  }

  /**
   * Drop metric records after `step`. A resumed run restarts from its checkpoint, so records a killed worker wrote
   * after that checkpoint would otherwise appear twice; after this the file holds exactly what an uninterrupted run
   * had at that step. A torn last line (the worker died mid-append) is kept when it is a whole record missing only
   * its newline, and reported in worker.log otherwise.
   */
  truncateMetricsAfter(step: number): void {
    const file = path.join(this.dir, RunFiles.metrics);
    if (!fs.existsSync(file)) return;
    const text = fs.readFileSync(file, 'utf8');
    const kept = parseMetricLines(text);
    const tail = text.slice(text.lastIndexOf('\n') + 1);
    if (tail.trim()) {
      const salvaged = parseMetricLines(`${tail}\n`);
      if (salvaged.length) kept.push(...salvaged);
      else
        this.log(
          'warn',
          `${file}: dropped a torn last line (${tail.length} bytes, not a whole record): ${JSON.stringify(tail.slice(0, 80))}`,
        );
    }
    writeFileAtomic(
      file,
      kept
        .filter((r) => r.step <= step)
        .map(formatMetricLine)
        .join(''),
    );
  }

  log(level: LogLevel, message: string): void {
    fs.appendFileSync(path.join(this.dir, RunFiles.log), formatLogLine(level, message));
  }

  /**
   * Write a checkpoint atomically: `write(tmpDir)` fills a temp folder, whose files are then fsynced, and the folder
   * is renamed to checkpoints/step-<N>. Older checkpoints beyond CHECKPOINTS_KEPT are removed afterwards, so a crash
   * at any moment leaves at least one complete checkpoint.
   */
  saveCheckpoint(step: number, write: (tmpDir: string) => void): string {
    const root = path.join(this.dir, RunFiles.checkpoints);
    fs.mkdirSync(root, { recursive: true });
    const final = path.join(root, checkpointDirName(step));
    const tmp = path.join(root, `${TMP_PREFIX}${checkpointDirName(step)}-${process.pid}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp);
    write(tmp);
    for (const name of fs.readdirSync(tmp)) {
      const fd = fs.openSync(path.join(tmp, name), 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
    fsyncDir(tmp);
    // Saving the same step twice (a stop request right after a periodic checkpoint) replaces the older copy.
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(tmp, final);
    fsyncDir(root);
    // Renamed out of the step-<N> namespace before removal: a kill during a recursive delete must not leave a
    // half-deleted folder that still reads as a complete checkpoint.
    for (const old of listCheckpoints(this.dir).slice(0, -CHECKPOINTS_KEPT)) {
      const trash = path.join(root, `${TRASH_PREFIX}${path.basename(old.path)}-${process.pid}`);
      fs.renameSync(old.path, trash);
      fs.rmSync(trash, { recursive: true, force: true });
    }
    return final;
  }
}

/** "; last output: <line>" from the run's worker.log, so a worker that died at start-up explains itself. */
export function lastLogLine(runDir: string): string {
  try {
    const text = fs.readFileSync(path.join(runDir, RunFiles.log), 'utf8').trimEnd();
    const line = text.slice(text.lastIndexOf('\n') + 1).trim();
    return line ? `; last output: ${line.slice(0, 300)}` : '';
  } catch {
    return '';
  }
}
