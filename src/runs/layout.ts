/**
 * The runs directory: one folder per run (the run-folder format of src/protocol/run.ts, written by the worker), plus
 * the store's own bookkeeping, all in entries whose names start with "." so they are never mistaken for runs:
 *
 *   <runs>/<run id>/             a run folder; the id is the folder name
 *   <runs>/<run id>/run.lock     held while a manager changes the run's state (start, stop, resume, delete)
 *   <runs>/<run id>/launch.json  written by the manager that spawned the run's worker (see manager.ts)
 *   <runs>/.index.jsonl          a cache of who made each run (source spec, search, trial) so listing never opens
 *                                spec.json; rebuilt from the runs themselves when missing or incomplete
 *   <runs>/.manager.lock         held by the one manager that owns the queue (starts queued runs)
 *   <runs>/.searches/<id>/       one folder per structure search (src/runs/search)
 *   <runs>/.tmp-*                runs being created; renamed into place when complete
 */
import * as path from 'node:path';

export const StoreFiles = {
  index: '.index.jsonl',
  managerLock: '.manager.lock',
  searches: '.searches',
  runLock: 'run.lock',
  launch: 'launch.json',
  tmpPrefix: '.tmp-',
} as const;

/** The runs directory inside a workspace when no setting says otherwise (the `mlbtc.runsDirectory` default). */
export const DEFAULT_RUNS_DIR = path.join('.mlbtc', 'runs');

/** True for directory entries that are run folders (everything not starting with "."). */
export function isRunEntry(name: string): boolean {
  return !name.startsWith('.');
}

/** A lowercase, filesystem-safe form of a spec name, for run and search ids. */
export function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 40);
  return s || 'run';
}

/** "20260101-120000": sortable, readable, no characters that need quoting. */
export function timestampId(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
}

/**
 * A new run id: the spec's name, the time, and four random hex digits, so two runs of one spec started in the same
 * second (a search) still get distinct folders. The folder is claimed by an atomic rename, never overwritten.
 */
export function newRunId(name: string, now: Date = new Date(), random: () => number = Math.random): string {
  return `${slug(name)}-${timestampId(now)}-${Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0')}`;
}
