/**
 * The run index (<runs>/.index.jsonl): one small JSON line per run saying where it came from, so that listing a
 * thousand runs reads one file plus each status.json and never a spec.json.
 *
 * It is a cache, not a record: every fact in it is also in the run folder (spec.json's source) or in the search
 * that made the run (its state.json lists its trial runs). So it may lag (a run created by `mlbtc train`, which
 * writes no index line, is adopted the first time it is listed), it may hold lines of deleted runs (ignored: the
 * folder decides whether a run exists), and a torn or garbage line is skipped. Several processes append to it;
 * each append is one write of one short line with O_APPEND, which POSIX file systems do not interleave.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StoreFiles } from './layout';

export interface IndexEntry {
  id: string;
  /** The spec's name (not unique: the id is). */
  name: string;
  createdAt: string;
  /** Path of the structure file the run was made from (as given when it was made), or null when unknown. */
  source: string | null;
  /** Set for the trials of a structure search. */
  search?: SearchTag;
}

/** Which search made a run: its trial, and for ASHA the rung (0 for the first budget; each rung is its own run). */
export interface SearchTag {
  id: string;
  trial: number;
  rung: number;
}

export function indexFile(root: string): string {
  return path.join(root, StoreFiles.index);
}

/** The entries of the index, the last line per id winning. A missing index is empty. */
export function readIndex(root: string): Map<string, IndexEntry> {
  const entries = new Map<string, IndexEntry>();
  let text: string;
  try {
    text = fs.readFileSync(indexFile(root), 'utf8');
  } catch {
    return entries;
  }
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const e = JSON.parse(line) as Partial<IndexEntry>;
      if (typeof e.id === 'string' && typeof e.name === 'string') {
        entries.set(e.id, {
          id: e.id,
          name: e.name,
          createdAt: typeof e.createdAt === 'string' ? e.createdAt : '',
          source: typeof e.source === 'string' ? e.source : null,
          ...(e.search && typeof e.search.id === 'string' && typeof e.search.trial === 'number'
            ? { search: { id: e.search.id, trial: e.search.trial, rung: typeof e.search.rung === 'number' ? e.search.rung : 0 } }
            : {}),
        });
      }
    } catch {
      // a torn line (a writer killed mid-append): the run is adopted again from its folder
    }
  }
  return entries;
}

/** Append entries in one write. Throws the file-system error (callers decide whether the index is essential). */
export function appendIndex(root: string, entries: readonly IndexEntry[]): void {
  if (entries.length === 0) return;
  fs.appendFileSync(indexFile(root), entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
}
