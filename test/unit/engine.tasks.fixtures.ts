/** What the task tests share (not a test file): a temp folder for data files, and catching a DataError. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../src/engine/tasks';

/** A temp folder removed when the process exits, and `write(name, content)`, which returns the name. */
export function dataFolder(prefix: string): { dir: string; write: (name: string, content: string | Buffer) => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mlbtc-${prefix}-`));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write: (name, content) => {
      fs.writeFileSync(path.join(dir, name), content);
      return name;
    },
  };
}

/** The DataError `fn` throws; fails the test if it throws anything else or nothing. */
export function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a DataError');
}
