/**
 * Writing a matched-compute family set (src/core/compare/matchedCompute.ts) as spec files in a folder, for the CLI
 * (`mlbtc compare`) and the extension ("MLBTC: Compare Families") alike. A task's data path is relative to its spec
 * file, so it is rebased onto the output folder (kept relative, so the folder stays portable).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { memberFileName, type CompareResult } from '../core/compare/matchedCompute';

/** `task.data` as the same file seen from `toDir` instead of `fromDir` (unchanged when absent). */
export function rebaseTaskData(value: Record<string, unknown>, fromDir: string, toDir: string): Record<string, unknown> {
  const task = value.task as Record<string, unknown> | undefined;
  if (!task || typeof task.data !== 'string') return value;
  const rebased = path.relative(toDir, path.resolve(fromDir, task.data)).split(path.sep).join('/');
  return { ...value, task: { ...task, data: rebased } };
}

/** Write every member into `outDir` (created); returns the written paths, in family order. */
export function writeCompareFolder(result: CompareResult, specDir: string, outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  return result.members.map((m) => {
    const file = path.join(outDir, memberFileName(m));
    fs.writeFileSync(file, `${JSON.stringify(rebaseTaskData(m.value, specDir, outDir), null, 2)}\n`);
    return file;
  });
}
