/**
 * Reading metrics.jsonl without trusting it and without holding it: records are streamed in fixed-size chunks (so a
 * 1,000,000-line file costs the same memory as a short one), and any line that is not a metric record — a torn
 * write from a killed worker, a hand edit, a disk error — is skipped with a warning naming its line, never fatal,
 * never hiding the lines around it. What a valid record is comes from the format itself (isMetricRecord in
 * src/protocol/run.ts, which parseMetricLines uses too), so readers and the worker agree on one definition.
 */
import * as fs from 'node:fs';
import { parseMetricLine, type MetricRecord } from '../protocol/run';

const CHUNK_BYTES = 1 << 16;
const NEWLINE = 0x0a;
/** Skipped lines are counted; only the first few are described, so a file of garbage cannot flood memory. */
const MAX_SKIP_NOTES = 20;

export interface SkippedLine {
  /** 1-based line number in the file; null when reading started mid-file (a tail that skipped to the end). */
  line: number | null;
  /** Byte offset of the line's start. */
  offset: number;
  /** The start of the offending text. */
  text: string;
}

export interface ReadReport {
  records: number;
  /** Lines skipped because they are not metric records (first MAX_SKIP_NOTES described). */
  skipped: SkippedLine[];
  skippedCount: number;
}

/** One-line warnings for the skipped lines of a read, e.g. for a log or the CLI's stderr. */
export function describeSkipped(file: string, report: ReadReport): string[] {
  const lines = report.skipped.map(
    (s) => `${file}:${s.line ?? `byte ${s.offset}`}: skipped a line that is not a metric record: ${JSON.stringify(s.text)}`,
  );
  if (report.skippedCount > report.skipped.length)
    lines.push(`${file}: ${report.skippedCount - report.skipped.length} more unreadable lines skipped`);
  return lines;
}

/**
 * Splits a byte stream into complete lines, keeping a partial last line for the next chunk. Lines are split on the
 * newline byte before decoding, which is safe in UTF-8 (0x0a never occurs inside a multi-byte character).
 */
export class LineSplitter {
  private carry: Buffer = Buffer.alloc(0);
  /** Byte offset in the file of carry[0]. */
  private carryOffset: number;
  /** Number of the last line emitted (null when unknown: splitting started mid-file). */
  private lineNo: number | null;

  constructor(startOffset = 0) {
    this.carryOffset = startOffset;
    this.lineNo = startOffset === 0 ? 0 : null;
  }

  /** Complete lines of `chunk` (with whatever was carried over), decoded. */
  push(chunk: Buffer, emit: LineVisitor): void {
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(NEWLINE, start); nl >= 0; nl = data.indexOf(NEWLINE, start)) {
      if (this.lineNo !== null) this.lineNo++;
      emit(data.toString('utf8', start, nl), this.lineNo, this.carryOffset + start);
      start = nl + 1;
    }
    this.carryOffset += start;
    // Copy: `data` may be a view of a reused read buffer.
    this.carry = Buffer.from(data.subarray(start));
  }
}

type LineVisitor = (line: string, lineNo: number | null, offset: number) => void;

/** Called with each record in file order; returning false stops the reading. */
export type MetricVisitor = (record: MetricRecord) => void | boolean;

/** Feeds lines to a visitor as records, noting what it skips. */
class RecordSink {
  readonly report: ReadReport = { records: 0, skipped: [], skippedCount: 0 };
  stopped = false;

  constructor(private readonly visit: MetricVisitor) {}

  line: LineVisitor = (text, lineNo, offset) => {
    if (this.stopped || !text.trim()) return;
    const record = parseMetricLine(text);
    if (record) {
      this.report.records++;
      if (this.visit(record) === false) this.stopped = true;
      return;
    }
    this.report.skippedCount++;
    if (this.report.skipped.length < MAX_SKIP_NOTES) this.report.skipped.push({ line: lineNo, offset, text: text.slice(0, 80) });
  };
}

/**
 * Stream every complete record of `file` to `visit`, in file order, until it returns false. A final line without its
 * newline is a record still being written and is not visited. A missing file has no records.
 */
export function forEachMetric(file: string, visit: MetricVisitor): ReadReport {
  const sink = new RecordSink(visit);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return sink.report;
    throw e;
  }
  try {
    readLines(fd, 0, Number.POSITIVE_INFINITY, new LineSplitter(), sink.line, () => sink.stopped);
  } finally {
    fs.closeSync(fd);
  }
  return sink.report;
}

/** Read bytes [from, to) of an open file in chunks, splitting lines. Returns the offset reached. */
function readLines(
  fd: number,
  from: number,
  to: number,
  splitter: LineSplitter,
  emit: LineVisitor,
  stop: () => boolean = () => false,
): number {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let offset = from;
  while (offset < to && !stop()) {
    const n = fs.readSync(fd, buffer, 0, Math.min(CHUNK_BYTES, to - offset), offset);
    if (n === 0) break;
    splitter.push(buffer.subarray(0, n), emit);
    offset += n;
  }
  return offset;
}

/**
 * The last complete record of `file` that satisfies `accept`, reading backwards from the end one chunk at a time
 * (cheap on any file size: a run's latest position, the x range of a series). Null when there is none.
 */
export function lastMetric(file: string, accept: (record: MetricRecord) => boolean = () => true): MetricRecord | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    let end = fs.fstatSync(fd).size;
    let tail = Buffer.alloc(0); // bytes from the last newline seen (exclusive) to `end` of the previous window
    let first = true;
    while (end > 0) {
      const start = Math.max(0, end - CHUNK_BYTES);
      const chunk = Buffer.allocUnsafe(end - start);
      fs.readSync(fd, chunk, 0, chunk.length, start);
      const data = Buffer.concat([chunk, tail]);
      // Lines lie between newlines. The text after the file's last newline is unfinished: skip it.
      let lineEnd = data.lastIndexOf(NEWLINE);
      if (first) {
        if (lineEnd < 0) {
          tail = data;
          end = start;
          continue;
        }
        first = false;
      } else {
        lineEnd = data.length;
      }
      // Buffer.lastIndexOf counts a negative offset from the end, so guard lineEnd 0 explicitly.
      const previousNewline = (before: number) => (before > 0 ? data.lastIndexOf(NEWLINE, before - 1) : -1);
      let nl = previousNewline(lineEnd);
      while (nl >= 0) {
        const record = parseMetricLine(data.toString('utf8', nl + 1, lineEnd));
        if (record && accept(record)) return record;
        lineEnd = nl;
        nl = previousNewline(lineEnd);
      }
      if (start === 0) {
        const record = parseMetricLine(data.toString('utf8', 0, lineEnd));
        return record && accept(record) ? record : null;
      }
      tail = Buffer.from(data.subarray(0, lineEnd));
      end = start;
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

export interface TailUpdate {
  /** Records completed since the previous poll. With `reset`, every record of the file. */
  records: MetricRecord[];
  /**
   * The file was replaced or shortened since the previous poll (a resumed run drops the records a killed worker wrote
   * after its checkpoint): forget earlier records and take `records` as the whole file.
   */
  reset: boolean;
  report: ReadReport;
}

/**
 * Follows a growing metrics.jsonl. Each poll costs one stat when nothing changed, and otherwise reads only the bytes
 * appended since the previous poll; a partial last line is kept and completed by a later poll. A file replaced by a
 * rename (new inode) or shortened is re-read from the start and reported as a reset.
 */
export class MetricsTail {
  private offset = 0;
  private ino: number | null = null;
  private splitter = new LineSplitter();

  /** With `fromEnd`, records already complete in the file are not reported: only what is appended from now on. */
  constructor(
    readonly file: string,
    options: { fromEnd?: boolean } = {},
  ) {
    if (options.fromEnd) this.skipToEnd();
  }

  poll(): TailUpdate {
    // No thrown ENOENT for a run that has not written metrics yet: polls must stay cheap for many queued runs.
    const stat = fs.statSync(this.file, { throwIfNoEntry: false });
    if (!stat) {
      const reset = this.ino !== null;
      this.restart(null);
      return { records: [], reset, report: { records: 0, skipped: [], skippedCount: 0 } };
    }
    const replaced = this.ino !== null && (stat.ino !== this.ino || stat.size < this.offset);
    if (replaced) this.restart(stat.ino);
    this.ino = stat.ino;
    const records: MetricRecord[] = [];
    const sink = new RecordSink((r) => void records.push(r));
    if (stat.size > this.offset) {
      const fd = fs.openSync(this.file, 'r');
      try {
        this.offset = readLines(fd, this.offset, stat.size, this.splitter, sink.line);
      } finally {
        fs.closeSync(fd);
      }
    }
    return { records, reset: replaced, report: sink.report };
  }

  private restart(ino: number | null): void {
    this.offset = 0;
    this.ino = ino;
    this.splitter = new LineSplitter();
  }

  /** Start after the last complete line of the file as it is now. */
  private skipToEnd(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    try {
      const stat = fs.fstatSync(fd);
      this.ino = stat.ino;
      // Find the last newline; what follows it is an unfinished record we must still report once complete.
      let end = stat.size;
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      while (end > 0) {
        const start = Math.max(0, end - CHUNK_BYTES);
        const n = fs.readSync(fd, buffer, 0, end - start, start);
        const nl = buffer.subarray(0, n).lastIndexOf(NEWLINE);
        if (nl >= 0) {
          this.offset = start + nl + 1;
          this.splitter = new LineSplitter(this.offset);
          return;
        }
        end = start;
      }
      this.offset = 0;
    } finally {
      fs.closeSync(fd);
    }
  }
}
