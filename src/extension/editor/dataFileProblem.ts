/**
 * A task's `data` file that is not there, flagged while the structure is edited (a squiggle on the `data` value):
 * only a cheap existence and regular-file check per validation, since the file may be large. Its contents are
 * checked by Train (src/data checkTaskData) before any run folder exists.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { LocatedProblem } from '../../core/validate/types';

export const DATA_FILE_CODE = 'data-file-missing';

/** The problem with `task.data` of this text, resolved against the spec's folder; undefined when there is none. */
export function dataFileProblem(text: string, specDir: string): LocatedProblem | undefined {
  const root = parseTree(text);
  const node = root && findNodeAtLocation(root, ['task', 'data']);
  if (!node || node.type !== 'string' || typeof node.value !== 'string' || !node.value) return undefined;
  const file = path.resolve(specDir, node.value);
  let problem: string | undefined;
  try {
    if (!fs.statSync(file).isFile()) problem = `is not a file (${file} is a folder or a device): "data" names the task's data file`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    problem =
      code === 'ENOENT'
        ? `does not exist (looked for ${file}); "data" is relative to this spec file's folder`
        : `cannot be read (${code ?? (e as Error).message}: ${file})`;
  }
  if (!problem) return undefined;
  const before = text.slice(0, node.offset);
  const line = before.split('\n').length - 1;
  return {
    code: DATA_FILE_CODE,
    severity: 'error',
    message: `task.data "${node.value}" ${problem}.`,
    path: ['task', 'data'],
    offset: node.offset,
    length: node.length,
    line,
    column: node.offset - (before.lastIndexOf('\n') + 1),
  };
}
