/**
 * Choosing the checkpoint a resume starts from. The newest checkpoint may be unreadable (truncated by a full disk,
 * damaged by hand, emptied by an interrupted copy): a resume then falls back to the newest one that reads, and says
 * so. Independent of the checkpoint's file format: the runtime passes its own reader, whose error is the verdict.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listCheckpoints } from './runFolder';

/** Complete checkpoint folders (checkpoints/step-<N>), newest first. */
export function readableCheckpoints(runDir: string): { step: number; path: string }[] {
  return listCheckpoints(runDir).reverse();
}

export interface ChosenCheckpoint<T> {
  step: number;
  path: string;
  /** What `read` returned for it. */
  value: T;
}

/**
 * The newest checkpoint `read` accepts, newest first; each one skipped is reported through `warn` with its reason.
 * Undefined when the run has no checkpoint; throws, naming every checkpoint and why, when none can be read (starting
 * over silently would throw the run's progress away).
 */
export function newestReadableCheckpoint<T>(
  runDir: string,
  read: (dir: string) => T,
  warn: (message: string) => void,
): ChosenCheckpoint<T> | undefined {
  const candidates = readableCheckpoints(runDir);
  const failures: string[] = [];
  for (const c of candidates) {
    try {
      const value = read(c.path);
      if (failures.length) warn(`resuming from the newest readable checkpoint, ${c.path}, instead`);
      return { ...c, value };
    } catch (e) {
      const why = unreadableReason(c.path, e);
      failures.push(why);
      warn(`checkpoint unreadable, skipped: ${why}`);
    }
  }
  if (failures.length) throw new Error(`no checkpoint of ${runDir} can be read, so it cannot be resumed: ${failures.join('; ')}`);
  return undefined;
}

/** Why a checkpoint folder could not be read, always naming the folder (or the file, when the error already does). */
function unreadableReason(dir: string, e: unknown): string {
  let entries: string[] | null = null;
  try {
    entries = fs.readdirSync(dir);
  } catch {
    // reported through the reader's own error below
  }
  if (entries !== null && entries.length === 0) return `${dir} is empty (a copy or a deletion that was interrupted?)`;
  // JSON.parse's errors name no file: find the JSON file that does not parse and name it.
  const damaged =
    e instanceof SyntaxError ? entries?.filter((n) => n.endsWith('.json')).find((n) => !parsesAsJson(path.join(dir, n))) : undefined;
  if (damaged) return `${path.join(dir, damaged)}: not valid JSON (${e instanceof Error ? e.message : String(e)})`;
  const message = e instanceof Error ? e.message : String(e);
  return message.includes(dir) ? message : `${dir}: ${message}`;
}

function parsesAsJson(file: string): boolean {
  try {
    JSON.parse(fs.readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}
