/**
 * Where a task's data file may come from, and how big it may be (docs/choices.md, "Data paths"; the Python runtime
 * applies the same rules). A spec is a file anyone can hand you: its task.data must not read /etc/shadow into a
 * training run, block on a FIFO, or stream /dev/urandom until memory runs out. So the file, symlinks resolved, must
 * be a regular file under the spec's workspace root or under a folder the user allowed on this machine (the
 * machine-scoped mlbtc.dataRoots setting, which the editor hands to workers as MLBTC_DATA_ROOTS; `mlbtc train` reads
 * the variable directly), and no larger than the size limit (MLBTC_DATA_MAX_MB, default 512).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_MAX_MB_ENV, DATA_ROOTS_ENV } from '../protocol/worker';

/** Folders whose presence marks a workspace root (where `.mlbtc/runs` lives). */
const WORKSPACE_MARKERS = ['.mlbtc', '.vscode', '.git'];

/** The nearest folder at or above `dir` that looks like a workspace root, else `dir` itself. */
export function workspaceRoot(dir: string): string {
  const start = path.resolve(dir);
  for (let d = start; ; d = path.dirname(d)) {
    if (WORKSPACE_MARKERS.some((m) => fs.existsSync(path.join(d, m)))) return d;
    if (path.dirname(d) === d) return start;
  }
}

export const DEFAULT_DATA_MAX_MB = 512;

/** The folders data may come from for a spec in `specDir`, symlinks resolved; missing allowed folders are left out. */
export function allowedDataRoots(specDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = (env[DATA_ROOTS_ENV] ?? '').split(path.delimiter).filter((r) => r.trim() !== '' && path.isAbsolute(r));
  const roots: string[] = [];
  for (const root of [workspaceRoot(specDir), ...listed]) {
    try {
      roots.push(fs.realpathSync(root));
    } catch {
      // an allowed folder that does not exist allows nothing
    }
  }
  return [...new Set(roots)];
}

/** The size limit in bytes: MLBTC_DATA_MAX_MB when it is a positive number, else the default. */
export function dataMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env[DATA_MAX_MB_ENV]);
  return (Number.isFinite(mb) && mb > 0 ? mb : DEFAULT_DATA_MAX_MB) * 1024 * 1024;
}

/** True when `file` is `root` or inside it (both real paths). */
export function isWithin(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
