/**
 * What `mlbtc train` shows while a worker trains: on a terminal, one progress line redrawn in place (step, loss,
 * tokens/s, ETA) with evaluations printed above it; otherwise (a pipe, a CI log) one plain line per metric record.
 * Pure formatting from worker messages; the caller writes the strings.
 */
import { formatDuration } from '../core/format';
import type { EvalMessage, MetricsMessage } from '../protocol/worker';

const BAR_WIDTH = 24;

const integer = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Integers as they are; other values to four significant digits, tiny or huge ones in exponent form. */
const num = (n: number): string =>
  Number.isInteger(n) && Math.abs(n) < 1e9 ? String(n) : Math.abs(n) >= 1e-3 && Math.abs(n) < 1e5 ? n.toPrecision(4) : n.toExponential(2);

export class TrainProgress {
  private firstStep = 1;
  private totalSteps = 1;
  /** Wall-clock time when this process started training (the ETA extrapolates from this process's own pace). */
  private startedAt = 0;
  private lastLineLength = 0;

  constructor(
    private readonly tty: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  start(firstStep: number, totalSteps: number): void {
    this.firstStep = firstStep;
    this.totalSteps = totalSteps;
    this.startedAt = this.now();
  }

  /** The text to write for a train record: a redrawn line on a terminal, a full line otherwise. */
  metrics(m: MetricsMessage): string {
    const done = m.step - this.firstStep + 1;
    const elapsed = this.now() - this.startedAt;
    const eta = done > 0 ? (elapsed / done) * (this.totalSteps - m.step) : NaN;
    // Throughput over the run's training wall time (evaluations and checkpoints excluded).
    const rate = m.wallMs > 0 ? (m.tokens / m.wallMs) * 1000 : NaN;
    const fields = `loss ${num(m.loss)}  lr ${num(m.lr)}  ${Number.isFinite(rate) ? integer(rate) : '?'} tok/s  ETA ${formatDuration(eta)}`;
    if (!this.tty) return `step ${m.step}/${this.totalSteps}  ${fields}\n`;
    const filled = Math.round((BAR_WIDTH * m.step) / this.totalSteps);
    const line = `step ${m.step}/${this.totalSteps} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${fields}`;
    return this.redraw(line);
  }

  /** An evaluation, always on its own line (above the progress line on a terminal). */
  evaluation(e: EvalMessage): string {
    const parts = Object.entries(e.metrics).map(([k, v]) => `${k} ${num(v)}`);
    return `${this.clear()}eval at step ${e.step}: ${parts.join('  ')}\n`;
  }

  /** Any other message line (logs, the final summary), keeping the progress line out of the way. */
  line(text: string): string {
    return `${this.clear()}${text}\n`;
  }

  private redraw(line: string): string {
    const pad = Math.max(0, this.lastLineLength - line.length);
    this.lastLineLength = line.length;
    return `\r${line}${' '.repeat(pad)}`;
  }

  private clear(): string {
    if (!this.tty || this.lastLineLength === 0) return '';
    const text = `\r${' '.repeat(this.lastLineLength)}\r`;
    this.lastLineLength = 0;
    return text;
  }
}
