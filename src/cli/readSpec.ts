/**
 * Reading a spec file for the CLI: its text, or a reason it cannot be read that names the file. Only regular files
 * within SPEC_TEXT_LIMITS are read: the size is checked on the open file before reading, so a 50 MB file costs
 * nothing, and the file is opened non-blocking, so a FIFO never hangs the command.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { SPEC_TEXT_LIMITS } from '../core/validate';

export type ReadResult = { ok: true; text: string } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 takes up to 3 bytes per UTF-16 character of the text limit (4 for a pair of 2 characters). */
const MAX_SPEC_BYTES = SPEC_TEXT_LIMITS.maxChars * 3;

export function readSpecFile(file: string, cwd: string): ReadResult {
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    fd = fs.openSync(path.resolve(cwd, file), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) return { ok: false, reason: 'is a directory (give the *.mlbtc.json files in it)' };
    if (!stat.isFile()) return { ok: false, reason: 'is not a regular file (a pipe, device or socket)' };
    if (stat.size > MAX_SPEC_BYTES) {
      const size = stat.size.toLocaleString('en-US');
      return {
        ok: false,
        reason: `is ${size} bytes; spec files are at most ${MAX_SPEC_BYTES.toLocaleString('en-US')} bytes (real specs are a few KB)`,
      };
    }
    bytes = fs.readFileSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory (give the *.mlbtc.json files in it)'
          : code === 'EACCES'
            ? 'permission denied'
            : (e as Error).message;
    return { ok: false, reason };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  try {
    // The decoder drops a leading byte-order mark, so columns count as editors count them.
    return { ok: true, text: utf8.decode(bytes) };
  } catch {
    return { ok: false, reason: 'is not UTF-8 text' };
  }
}
