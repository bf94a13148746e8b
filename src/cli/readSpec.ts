/** Reading a spec file for the CLI: its text, or a reason it cannot be read that names the file. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type ReadResult = { ok: true; text: string } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readSpecFile(file: string, cwd: string): ReadResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.resolve(cwd, file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory (give the *.mlbtc.json files in it)' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    return { ok: false, reason };
  }
  try {
    // The decoder drops a leading byte-order mark, so columns count as editors count them.
    return { ok: true, text: utf8.decode(bytes) };
  } catch {
    return { ok: false, reason: 'is not UTF-8 text' };
  }
}
