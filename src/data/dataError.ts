/**
 * Problems with a task's data file, found before training starts. The message leads with "file:line" (or just the
 * file when no single line is at fault) so terminals and VS Code link straight to it; the fields let callers (the
 * worker, the CLI) place a diagnostic without parsing the message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_MAX_MB_ENV, DATA_ROOTS_ENV } from '../protocol/worker';
import { allowedDataRoots, dataMaxBytes, isWithin } from './dataRoots';

export class DataError extends Error {
  override readonly name = 'DataError';

  constructor(
    /** Absolute path of the data file. */
    readonly file: string,
    /** 1-based line of the problem, when one line is at fault. */
    readonly line: number | undefined,
    /** What is wrong and what would be right. */
    readonly problem: string,
    /** The CSV column at fault, for cell errors. */
    readonly column?: string,
  ) {
    super(`${line === undefined ? file : `${file}:${line}`}: ${problem}`);
  }
}

/**
 * The bytes of a task's data file, `data` resolved against the spec's folder: the single reader of task data. A
 * missing `data` field, a missing, unreadable or empty file, a file outside the allowed folders (dataRoots.ts), one
 * that is not a regular file, or one over the size limit are all reported before anything is read. The file is
 * opened non-blocking and checked on the open descriptor, so a FIFO never blocks and a swapped path cannot slip in.
 */
export function readDataFile(
  specDir: string,
  data: string | undefined,
  kind: string,
  expected: string,
  env: NodeJS.ProcessEnv = process.env,
): { file: string; bytes: Buffer } {
  if (data === undefined) throw new Error(`task.data is not set: a ${kind} run needs ${expected}, given relative to the spec file.`);
  const file = path.resolve(specDir, data);
  const cannotRead = (error: unknown): DataError => {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String((error as Error).message);
    return new DataError(file, undefined, `cannot read the data file named by task.data ("${data}"): ${why}. Expected ${expected}.`);
  };
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch (error) {
    throw cannotRead(error);
  }
  const roots = allowedDataRoots(specDir, env);
  if (!roots.some((root) => isWithin(real, root))) {
    throw new DataError(
      file,
      undefined,
      `task.data ("${data}") is ${real}, outside the folders data may come from (${roots.join(', ')}): the spec's workspace, and the folders of the machine setting mlbtc.dataRoots (${DATA_ROOTS_ENV} for mlbtc train). Move the file into the workspace or allow its folder there.`,
    );
  }
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    throw cannotRead(error);
  }
  let bytes: Buffer;
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw cannotRead(Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
    if (!stat.isFile())
      throw new DataError(file, undefined, `task.data ("${data}") is not a regular file (a pipe, device or socket). Expected ${expected}.`);
    const limit = dataMaxBytes(env);
    if (stat.size > limit) {
      throw new DataError(
        file,
        undefined,
        `the data file is ${megabytes(stat.size)}, over the limit of ${megabytes(limit)}; raise it with the machine setting mlbtc.dataMaxMegabytes (${DATA_MAX_MB_ENV} for mlbtc train).`,
      );
    }
    bytes = fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (bytes.length === 0) throw new DataError(file, undefined, `the data file is empty. Expected ${expected}.`);
  return { file, bytes };
}

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Decode UTF-8 strictly; on malformed bytes, name the first line that holds them. */
export function decodeUtf8(file: string, bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // A newline byte never occurs inside a multi-byte UTF-8 sequence, so lines can be checked one by one.
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let start = 0;
    for (let line = 1; ; line++) {
      const end = bytes.indexOf(0x0a, start);
      try {
        decoder.decode(bytes.subarray(start, end === -1 ? bytes.length : end));
      } catch {
        throw new DataError(
          file,
          line,
          'the file is not valid UTF-8 text: this line holds bytes that are not UTF-8 (save the file as UTF-8).',
        );
      }
      if (end === -1) throw new DataError(file, undefined, 'the file is not valid UTF-8 text.');
      start = end + 1;
    }
  }
}
