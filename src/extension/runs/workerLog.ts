/**
 * Following a run's worker.log. Its line format (formatLogLine, parseLogLine) is defined once, with the run folder's
 * other formats, in src/protocol/run.ts.
 */
import * as fs from 'node:fs';
import { LineSplitter } from '../../runs/metrics';

/**
 * Follows a growing worker.log: each read returns the lines completed since the previous one (a partial last line
 * waits for its newline). A file that shrank (replaced) is read again from its start.
 */
export class LogTail {
  private offset = 0;
  private splitter = new LineSplitter();

  /** With `fromEnd`, what the file holds now is skipped: only lines written from now on are read. */
  constructor(
    readonly file: string,
    fromEnd: boolean,
  ) {
    if (fromEnd) {
      try {
        this.offset = fs.statSync(file).size;
      } catch {
        // no log yet: read it from the start once it appears
      }
      // Mid-file: the first "line" may be the end of one, but a worker only ever appends whole lines.
      this.splitter = new LineSplitter(this.offset);
    }
  }

  read(): string[] {
    let size: number;
    try {
      size = fs.statSync(this.file).size;
    } catch {
      return [];
    }
    if (size < this.offset) {
      this.offset = 0;
      this.splitter = new LineSplitter();
    }
    if (size === this.offset) return [];
    const lines: string[] = [];
    const fd = fs.openSync(this.file, 'r');
    try {
      const buffer = Buffer.allocUnsafe(Math.min(size - this.offset, 1 << 16));
      while (this.offset < size) {
        const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - this.offset), this.offset);
        if (n === 0) break;
        this.splitter.push(buffer.subarray(0, n), (line) => void lines.push(line));
        this.offset += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    return lines;
  }
}
