/**
 * The run store: the runs directory read as a list of runs grouped into experiments, and the few operations that
 * create or remove whole run folders. No vscode, no tfjs: the extension, the CLI and the search controller share it.
 *
 * Who writes what (one writer per file):
 * - spec.json, and the first status.json ("queued"): the store, inside a hidden temp folder that is renamed into
 *   place only when complete, so no half-created run is ever visible, whatever fails (full disk, permissions).
 * - status.json afterwards, metrics.jsonl, worker.log, checkpoints/: the run's worker while it is alive; a manager
 *   holding the run's lock when no worker is (marking a dead run interrupted, a queued run cancelled, a run queued
 *   again for resume). See manager.ts for the lock protocol.
 * - .index.jsonl: appended by whoever creates or first lists a run (a cache; see runIndex.ts).
 * Readers never write run files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRunFolder, listCheckpoints, readRunSpec, readStatus } from '../runfolder/runFolder';
import type { ResolvedSpec } from '../core/spec/resolve';
import {
  checkpointDirName,
  formatMetricLine,
  HEARTBEAT_STALE_MS,
  RunFiles,
  type RunOverrides,
  type RunSpecFile,
  type RunState,
  type RunStatus,
  type StatusRead,
} from '../protocol/run';
import { storeError, StoreError } from './fsErrors';
import { isRunEntry, newRunId, StoreFiles } from './layout';
import { writeLaunchMarker } from './launchMarker';
import { FileLock } from '../runfolder/lock';
import { isProcessAliveSince } from '../runfolder/process';
import { observedState, statusWorkerAlive } from '../runfolder/liveness';
import { appendIndex, indexFile, readIndex, type IndexEntry, type SearchTag } from './runIndex';
import { forEachMetric } from './metrics';
import { writeStatus } from '../runfolder/statusFile';

/** What a run belongs to: the structure file it was started from, or the search that made it. */
export interface Experiment {
  /** "spec:<source path>" or "search:<search id>": equal keys, same experiment. */
  key: string;
  kind: 'spec' | 'search';
  /** For display: the spec file's name, or "search <id>". */
  label: string;
}

export interface RunInfo {
  id: string;
  dir: string;
  /** The state to show: a running status with a stale heartbeat or a dead worker reads as interrupted (observedState). */
  state: RunState | 'unknown';
  status: RunStatus | null;
  /** Why the status could not be read, when it could not. */
  problem?: string;
  name: string;
  createdAt: string;
  source: string | null;
  search?: SearchTag;
  experiment: Experiment;
}

export interface NewStoreRun {
  spec: ResolvedSpec;
  sourcePath: string;
  sourceText: string;
  overrides: RunOverrides;
  search?: SearchTag;
  /**
   * Start from another run's checkpoint at `step` (an ASHA promotion: the next rung continues the trial). Its
   * checkpoint and its metric records up to that step are copied, so the new run resumes there with the whole curve.
   */
  continueFrom?: { runDir: string; step: number };
  /**
   * Pid of a process that starts this run's worker itself (`mlbtc train`). The run appears with a launch marker
   * already in place, so a queue-owning manager (an editor window) never starts a second worker on it.
   */
  launchedBy?: number;
  /**
   * Create the run under exactly this id (a search trial: searchFolder.ts trialRunId) instead of drawing one: a
   * StoreError with code EEXIST when a run already has it, so that two creators racing for it cannot both succeed.
   */
  id?: string;
}

/** Counts this process's run creations, to name each one's temp folder uniquely. */
let createAttempts = 0;

/** Fresh ids drawn when one is taken before giving up (with four random hex digits a clash is already rare). */
const MAX_ID_ATTEMPTS = 20;

export class RunNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunNotFoundError';
  }
}

export function experimentOf(entry: Pick<IndexEntry, 'source' | 'search'>): Experiment {
  if (entry.search) return { key: `search:${entry.search.id}`, kind: 'search', label: `search ${entry.search.id}` };
  const source = entry.source ?? '(unknown source)';
  return { key: `spec:${source}`, kind: 'spec', label: path.basename(source) };
}

export class RunStore {
  readonly root: string;
  /**
   * Status and index reads keyed by the file's (inode, mtime, size): a manager lists every second, and an unchanged
   * file then costs a stat, not a read and a parse. status.json is replaced by rename, so a new version always has a
   * new inode.
   */
  private readonly statusCache = new Map<string, { signature: string; read: StatusRead }>();
  private indexCache: { signature: string; entries: Map<string, IndexEntry> } | null = null;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  runDir(id: string): string {
    return path.join(this.root, id);
  }

  /** The lock a manager holds while it changes a run's state. */
  runLock(id: string, owner: string): FileLock {
    return new FileLock(path.join(this.runDir(id), StoreFiles.runLock), owner, { isAlive: isProcessAliveSince });
  }

  /**
   * Every run, oldest first. Reads the index and each run's status.json only; runs missing from the index (made by
   * `mlbtc train`, or whose index line was lost) are adopted from their spec.json once and added to the index.
   */
  list(now: number = Date.now()): RunInfo[] {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(this.root, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storeError(e, 'list runs', this.root);
    }
    const index = this.index();
    const seen = new Set<string>();
    const adopted: IndexEntry[] = [];
    const runs: RunInfo[] = [];
    for (const d of names) {
      if (!d.isDirectory() || !isRunEntry(d.name)) continue;
      seen.add(d.name);
      const read = this.status(d.name);
      let entry = index.get(d.name);
      if (!entry) {
        const found = this.adopt(d.name, read.status !== null);
        if (!found) continue; // neither spec.json nor status.json: not a run folder
        entry = found;
        adopted.push(entry);
      }
      runs.push(this.info(entry, read, now));
    }
    if (adopted.length) {
      try {
        appendIndex(this.root, adopted);
      } catch {
        // A read-only or full runs directory: listing still works, adoption is simply redone next time.
      }
    }
    for (const id of this.statusCache.keys()) if (!seen.has(id)) this.statusCache.delete(id);
    return runs.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** One run by id or by an unambiguous prefix of its id. */
  get(idOrPrefix: string, now: number = Date.now()): RunInfo {
    if (isRunEntry(idOrPrefix) && !idOrPrefix.includes('/') && fs.existsSync(path.join(this.runDir(idOrPrefix)))) {
      const entry = this.index().get(idOrPrefix) ?? this.adopt(idOrPrefix, true);
      if (entry) return this.info(entry, this.status(idOrPrefix), now);
    }
    const matches = this.list(now).filter((r) => r.id.startsWith(idOrPrefix));
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0) throw new RunNotFoundError(`No run "${idOrPrefix}" in ${this.root}. \`mlbtc runs\` lists the runs there.`);
    throw new RunNotFoundError(
      `"${idOrPrefix}" matches ${matches.length} runs (${matches
        .slice(0, 5)
        .map((r) => r.id)
        .join(', ')}${matches.length > 5 ? ', ...' : ''}); give more of the id.`,
    );
  }

  readSpec(id: string): RunSpecFile {
    return readRunSpec(this.runDir(id));
  }

  /**
   * Create a queued run. Everything is written into a hidden temp folder, the index line is appended, and only then
   * is the folder renamed to its id: on any failure (ENOSPC, EACCES, EROFS) nothing is left behind but a dangling
   * index line, which listing ignores.
   */
  create(run: NewStoreRun, now: Date = new Date()): RunInfo {
    try {
      fs.mkdirSync(this.root, { recursive: true });
    } catch (e) {
      throw storeError(e, 'create the runs directory', this.root, 'No run was created.');
    }
    // Ids carry four random hex digits: runs created in the same second (a search, a bench) can clash, so a taken id
    // is drawn again. The final rename is the real claim: onto a non-empty run folder it fails (ENOTEMPTY, EEXIST).
    if (run.id !== undefined) {
      const created = fs.existsSync(this.runDir(run.id)) ? null : this.createAs(run.id, run, now, true);
      if (!created) throw new StoreError(`Run ${run.id} already exists in ${this.root}; it was not created again.`, 'EEXIST');
      return created;
    }
    for (let attempt = 0; ; attempt++) {
      const id = newRunId(run.search ? `${run.spec.name}-t${run.search.trial}` : run.spec.name, now);
      if (fs.existsSync(this.runDir(id)) && attempt < MAX_ID_ATTEMPTS) continue;
      const created = this.createAs(id, run, now, attempt < MAX_ID_ATTEMPTS);
      if (created) return created;
    }
  }

  /** Create the run under `id`; null when the id turned out to be taken (and `mayRetry`). */
  private createAs(id: string, run: NewStoreRun, now: Date, mayRetry: boolean): RunInfo | null {
    // Unique to this attempt: a fixed id (a search trial) may be created by two processes at once, or again after a
    // creator was killed half way and left its temp folder behind (swept later by sweepTemp).
    const tmp = path.join(this.root, `${StoreFiles.tmpPrefix}create-${id}-${process.pid}-${++createAttempts}`);
    try {
      const file = createRunFolder(tmp, {
        spec: run.spec,
        sourcePath: run.sourcePath,
        sourceText: run.sourceText,
        overrides: run.overrides,
        name: id,
      });
      if (run.continueFrom) seedFromCheckpoint(tmp, run.continueFrom.runDir, run.continueFrom.step);
      if (run.launchedBy !== undefined) writeLaunchMarker(tmp, run.launchedBy);
      const entry: IndexEntry = {
        id,
        name: run.spec.name,
        createdAt: file.createdAt,
        source: run.sourcePath,
        ...(run.search ? { search: run.search } : {}),
      };
      appendIndex(this.root, [entry]);
      fs.renameSync(tmp, this.runDir(id));
      return this.info(entry, readStatus(this.runDir(id)), now.getTime());
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (mayRetry && (code === 'ENOTEMPTY' || code === 'EEXIST')) return null; // its index line dangles, harmlessly
      if (e instanceof StoreError) throw e;
      throw storeError(e, `create run ${id}`, this.root, 'No run was created.');
    }
  }

  /**
   * Delete a run's folder. Refuses while a worker may be writing it (state running with a live pid or a fresh
   * heartbeat). The folder is first renamed out of sight, so a reader never sees half a run.
   */
  remove(id: string): void {
    const lock = this.runLock(id, 'delete');
    lock.with(() => {
      const read = readStatus(this.runDir(id));
      if (read.status && mayHaveWorker(read.status)) {
        throw new StoreError(
          `Run ${id} is running (pid ${read.status.pid ?? '?'}); stop it first (\`mlbtc stop ${id}\`), then delete it.`,
          'EBUSY',
        );
      }
      const aside = path.join(this.root, `${StoreFiles.tmpPrefix}delete-${id}`);
      try {
        fs.renameSync(this.runDir(id), aside);
      } catch (e) {
        throw storeError(e, `delete run ${id}`, this.root);
      }
      fs.rmSync(aside, { recursive: true, force: true });
    });
  }

  /** Remove leftovers of creations and deletions that were interrupted (older than `olderThanMs`). */
  sweepTemp(olderThanMs: number, now: number = Date.now()): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.root);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(StoreFiles.tmpPrefix)) continue;
      const p = path.join(this.root, name);
      try {
        if (now - fs.statSync(p).mtimeMs > olderThanMs) fs.rmSync(p, { recursive: true, force: true });
      } catch {
        // gone already, or not ours to remove
      }
    }
  }

  private status(id: string): StatusRead {
    const file = path.join(this.runDir(id), RunFiles.status);
    const signature = fileSignature(file);
    const cached = this.statusCache.get(id);
    if (cached && signature !== null && cached.signature === signature) return cached.read;
    const read = readStatus(this.runDir(id));
    if (signature !== null) this.statusCache.set(id, { signature, read });
    return read;
  }

  private index(): Map<string, IndexEntry> {
    const signature = fileSignature(indexFile(this.root));
    if (this.indexCache && signature !== null && this.indexCache.signature === signature) return this.indexCache.entries;
    const entries = readIndex(this.root);
    this.indexCache = signature === null ? null : { signature, entries };
    return entries;
  }

  private adopt(id: string, hasStatus: boolean): IndexEntry | null {
    const dir = this.runDir(id);
    try {
      const spec = readRunSpec(dir);
      return { id, name: spec.spec.name, createdAt: spec.createdAt, source: spec.source.path };
    } catch {
      if (!hasStatus && !fs.existsSync(path.join(dir, RunFiles.spec))) return null;
      // A run whose spec cannot be read still shows, so the user sees it and can delete it.
      let createdAt = '';
      try {
        createdAt = fs.statSync(dir).birthtime.toISOString();
      } catch {
        // keep ''
      }
      return { id, name: id, createdAt, source: null };
    }
  }

  private info(entry: IndexEntry, read: StatusRead, now: number): RunInfo {
    return {
      id: entry.id,
      dir: this.runDir(entry.id),
      state: read.status ? observedState(read.status, now) : 'unknown',
      status: read.status,
      ...(read.problem ? { problem: read.problem } : {}),
      name: entry.name,
      createdAt: entry.createdAt,
      source: entry.source,
      ...(entry.search ? { search: entry.search } : {}),
      experiment: experimentOf(entry),
    };
  }
}

/** Is a worker writing this run now? A running status whose heartbeat is fresh and whose worker is alive. */
export function isLive(status: RunStatus, now: number = Date.now()): boolean {
  return observedState(status, now) === 'running';
}

/**
 * After this long without a heartbeat, a live process with the worker's pid is taken to be another process that
 * reused the pid, not a hung worker. (Choice: ten times the staleness limit; a worker blocked that long is treated
 * as dead, and a resume may then start a second one.)
 */
const PID_TRUST_MS = 10 * HEARTBEAT_STALE_MS;

/**
 * Might a worker still be attached to this run, even if silent? Running, its pid alive, and a heartbeat recent
 * enough that the pid is still the worker's. Such a run is never resumed or deleted (it could write again); stop
 * kills it. Otherwise a running status belongs to a dead worker.
 */
export function mayHaveWorker(status: RunStatus, now: number = Date.now()): boolean {
  if (status.state !== 'running' || !statusWorkerAlive(status)) return false;
  const beat = status.heartbeat ? Date.parse(status.heartbeat) : NaN;
  return Number.isFinite(beat) && now - beat <= PID_TRUST_MS;
}

export interface ExperimentGroup {
  experiment: Experiment;
  runs: RunInfo[];
}

/** A search experiment's runs directory and id (its runs all live in the directory holding the search). */
export function searchRefOf(group: ExperimentGroup): { root: string; id: string } | undefined {
  const run = group.runs.find((r) => r.search);
  return run?.search ? { root: path.dirname(run.dir), id: run.search.id } : undefined;
}

/** Runs grouped by experiment, groups in order of their first run. */
export function groupByExperiment(runs: readonly RunInfo[]): ExperimentGroup[] {
  const groups = new Map<string, ExperimentGroup>();
  for (const run of runs) {
    const g = groups.get(run.experiment.key) ?? { experiment: run.experiment, runs: [] };
    g.runs.push(run);
    groups.set(run.experiment.key, g);
  }
  return [...groups.values()];
}

/** "inode:mtime:size" of a file, or null when it cannot be stat'ed. */
function fileSignature(file: string): string | null {
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    return st ? `${st.ino}:${st.mtimeMs}:${st.size}` : null;
  } catch {
    return null; // e.g. EACCES: read it afresh, which reports the problem
  }
}

/** Copy `from`'s checkpoint at `step` and its records up to `step` into the (still hidden) new run folder `dir`. */
function seedFromCheckpoint(dir: string, from: string, step: number): void {
  const checkpoint = listCheckpoints(from).find((c) => c.step === step);
  if (!checkpoint)
    throw new StoreError(
      `${from} has no checkpoint at step ${step} to continue from (it has ${
        listCheckpoints(from)
          .map((c) => c.step)
          .join(', ') || 'none'
      }).`,
      'ENOENT',
    );
  fs.cpSync(checkpoint.path, path.join(dir, RunFiles.checkpoints, checkpointDirName(step)), { recursive: true });
  const out = fs.openSync(path.join(dir, RunFiles.metrics), 'a');
  try {
    let pending = '';
    forEachMetric(path.join(from, RunFiles.metrics), (r) => {
      if (r.step > step) return false; // records are in step order
      pending += formatMetricLine(r);
      if (pending.length > 1 << 20) {
        fs.writeSync(out, pending);
        pending = '';
      }
    });
    if (pending) fs.writeSync(out, pending);
    fs.fsyncSync(out);
  } finally {
    fs.closeSync(out);
  }
  const status = readStatus(dir).status;
  if (status) writeStatus(dir, { ...status, step });
}
