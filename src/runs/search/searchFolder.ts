/**
 * A search on disk: <runs>/.searches/<id>/
 *
 *   search.json       SearchFile: the spec file it came from and the whole plan (every trial's spec). Written once.
 *   state.json        SearchState: which run is each trial's run at each rung, and what the controller did. Replaced
 *                     atomically, only by the controller holding controller.lock.
 *   controller.lock   held by the one process driving the search (lock.ts protocol, with a heartbeat).
 *   stop              a request to the controller to let go (searchStop.ts).
 *
 * The trials' runs are ordinary runs in the runs directory, tagged with the search (index.jsonl), so they are listed,
 * stopped, resumed and retried like any run; a controller that restarts rebuilds its view from state.json plus the
 * tagged runs (a retried trial is a newer run with the same tag, and takes over).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../runfolder/runFolder';
import { storeError } from '../fsErrors';
import { newRunId, StoreFiles } from '../layout';
import { FileLock, type Heartbeat } from '../../runfolder/lock';
import { isProcessAliveSince } from '../../runfolder/process';
import type { SearchPlan } from './plan';

export const SEARCH_FORMAT_VERSION = 1;

/** `stop`: a request to stop the search, from whoever does not drive it (searchStop.ts). */
export const SearchFiles = { search: 'search.json', state: 'state.json', lock: 'controller.lock', stop: 'stop' } as const;

export interface SearchFile {
  version: typeof SEARCH_FORMAT_VERSION;
  id: string;
  createdAt: string;
  source: { path: string; text: string };
  plan: SearchPlan;
}

export interface TrialRuns {
  trial: number;
  runs: { rung: number; runId: string }[];
}

export interface SearchState {
  version: typeof SEARCH_FORMAT_VERSION;
  updatedAt: string;
  trials: TrialRuns[];
  /** Times the controller resumed each run after it was interrupted (bounded, so a crashing trial cannot loop). */
  autoResumes: Record<string, number>;
  /**
   * Trial runs stopped because the whole search was stopped (Ctrl-C, `mlbtc stop SEARCH`): the next controller
   * resumes them. A trial stopped on its own is not listed and stays stopped.
   */
  paused: string[];
  /** When the search was stopped on purpose (cleared when it is driven again): a search without a controller that is
   *  neither stopped nor finished has lost its controller, and is taken over (searchControl.ts). */
  stoppedAt: string | null;
  /** When the controller found nothing left to do. */
  finishedAt: string | null;
}

export function searchesDir(runsRoot: string): string {
  return path.join(runsRoot, StoreFiles.searches);
}

export function searchDir(runsRoot: string, id: string): string {
  return path.join(searchesDir(runsRoot), id);
}

export class SearchNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchNotFoundError';
  }
}

/** Create the search folder (atomically: complete, or not there at all). */
export function createSearchFolder(
  runsRoot: string,
  plan: SearchPlan,
  source: { path: string; text: string },
  now: Date = new Date(),
): SearchFile {
  const id = newRunId(plan.name, now);
  const root = searchesDir(runsRoot);
  const tmp = path.join(root, `${StoreFiles.tmpPrefix}${id}`);
  const file: SearchFile = { version: SEARCH_FORMAT_VERSION, id, createdAt: now.toISOString(), source, plan };
  try {
    fs.mkdirSync(tmp, { recursive: true });
    writeFileAtomic(path.join(tmp, SearchFiles.search), JSON.stringify(file));
    writeFileAtomic(path.join(tmp, SearchFiles.state), JSON.stringify(initialState(now)));
    fs.renameSync(tmp, path.join(root, id));
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw storeError(e, `create search ${id}`, root, 'Nothing was started.');
  }
  return file;
}

function initialState(now: Date): SearchState {
  return {
    version: SEARCH_FORMAT_VERSION,
    updatedAt: now.toISOString(),
    trials: [],
    autoResumes: {},
    paused: [],
    stoppedAt: null,
    finishedAt: null,
  };
}

/** A search by id or unambiguous id prefix. */
export function resolveSearchId(runsRoot: string, idOrPrefix: string): string {
  const ids = listSearchIds(runsRoot);
  if (ids.includes(idOrPrefix)) return idOrPrefix;
  const matches = ids.filter((id) => id.startsWith(idOrPrefix));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0)
    throw new SearchNotFoundError(
      `No search "${idOrPrefix}" in ${searchesDir(runsRoot)}${ids.length ? ` (searches: ${ids.slice(-5).join(', ')})` : ''}.`,
    );
  throw new SearchNotFoundError(
    `"${idOrPrefix}" matches ${matches.length} searches (${matches.slice(0, 5).join(', ')}); give more of the id.`,
  );
}

export function listSearchIds(runsRoot: string): string[] {
  try {
    return fs
      .readdirSync(searchesDir(runsRoot), { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

export function readSearchFile(runsRoot: string, id: string): SearchFile {
  const file = path.join(searchDir(runsRoot, id), SearchFiles.search);
  let value: SearchFile;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8')) as SearchFile;
  } catch (e) {
    throw new SearchNotFoundError(`${file}: cannot read the search (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  if (value.version !== SEARCH_FORMAT_VERSION)
    throw new SearchNotFoundError(`${file}: search format version ${String(value.version)}; this version reads ${SEARCH_FORMAT_VERSION}.`);
  return value;
}

/** The state, or a fresh one when the file is missing or unreadable (the tagged runs still say what was done). */
export function readSearchState(runsRoot: string, id: string): SearchState {
  try {
    const value = JSON.parse(fs.readFileSync(path.join(searchDir(runsRoot, id), SearchFiles.state), 'utf8')) as SearchState;
    if (value.version === SEARCH_FORMAT_VERSION && Array.isArray(value.trials))
      return { ...value, autoResumes: value.autoResumes ?? {}, paused: value.paused ?? [], stoppedAt: value.stoppedAt ?? null };
  } catch {
    // fall through
  }
  return initialState(new Date());
}

export function writeSearchState(runsRoot: string, id: string, state: SearchState): void {
  writeFileAtomic(path.join(searchDir(runsRoot, id), SearchFiles.state), JSON.stringify({ ...state, updatedAt: new Date().toISOString() }));
}

/** The lock of the process driving a search; `heartbeat` for a controller (a reader that only pauses goes without). */
export function controllerLock(runsRoot: string, id: string, owner: string, heartbeat?: Heartbeat): FileLock {
  return new FileLock(path.join(searchDir(runsRoot, id), SearchFiles.lock), owner, {
    isAlive: isProcessAliveSince,
    ...(heartbeat ? { heartbeat } : {}),
  });
}

/** The run id of a trial at a rung. Fixed, so that creating it is the claim: no two controllers launch the same. */
export function trialRunId(searchId: string, trial: number, rung: number): string {
  return `${searchId}-t${trial}-r${rung}`;
}
