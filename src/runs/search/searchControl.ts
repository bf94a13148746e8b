/**
 * Who controls a search, read from its folder alone, so that every window and `mlbtc` command sees the same answer:
 * a live controller drives it, it finished, it was stopped on purpose, or it has lost its controller (the process
 * died, or its heartbeat stopped: a window that went away) while it still has work to do. A search that lost its
 * controller is taken over by an editor window that follows its runs directory (SearchDriver.adoptOrphans), so
 * closing a window mid-search never leaves the search without a driver, and nobody has to wait for a ghost.
 */
import * as path from 'node:path';
import { readLock, type LockInfo } from '../../runfolder/lock';
import { controllerLock, readSearchState, searchDir, SearchFiles, type SearchState } from './searchFolder';

export type SearchControl = { kind: 'driven'; by: LockInfo | null } | { kind: 'finished' } | { kind: 'stopped' } | { kind: 'orphaned' };

export function searchControl(root: string, id: string, state: SearchState = readSearchState(root, id)): SearchControl {
  if (!controllerLock(root, id, 'reader').isFree())
    return { kind: 'driven', by: readLock(path.join(searchDir(root, id), SearchFiles.lock)) };
  if (state.finishedAt !== null) return { kind: 'finished' };
  // `paused` also marks a search stopped before stoppedAt existed (a stop pauses its active trials).
  if (state.stoppedAt !== null || state.paused.length > 0) return { kind: 'stopped' };
  return { kind: 'orphaned' };
}
