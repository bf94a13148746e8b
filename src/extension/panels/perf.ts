/**
 * Paint timings reported by the panels: how long after a panel was opened it first showed content, and how long
 * each redraw took inside the webview. Kept for the benchmark/e2e read-out (command mlbtc.panels.perf) and logged.
 */
import type { PanelKind } from '../../protocol/webview';

export interface PaintRecord {
  panel: PanelKind;
  /** The first paint of this panel instance. */
  first: boolean;
  /** From the controller's creation (webview HTML set) to the host receiving `painted`. */
  sinceOpenMs: number;
  /** Time spent in the webview's drawing code for this paint. */
  renderMs: number;
  /** From the webview document's start to this paint: the rest of sinceOpenMs is VS Code creating the webview. */
  sinceLoadMs: number;
  /** From the webview document's start to its script running (loading the document and bundle). */
  scriptStartMs: number;
  /** The webview's description of what it drew. */
  content: string;
}

/** The paint as one line of the "MLBTC Panels" log, which the e2e tests and bench/host.bench.ts read back. */
export function paintLogLine(r: PaintRecord): string {
  return `${r.panel}: ${r.first ? 'first paint' : 'repaint'} ${r.sinceOpenMs.toFixed(0)} ms after opening, ${r.sinceLoadMs.toFixed(0)} ms after the webview loaded, script from ${r.scriptStartMs.toFixed(0)} ms (drawing ${r.renderMs.toFixed(1)} ms): ${r.content}`;
}

const paintLinePattern =
  /(\w+): (first paint|repaint) (\d+) ms after opening, (\d+) ms after the webview loaded, script from (\d+) ms \(drawing ([\d.]+) ms\): (.*)$/;

/** The paint a log line (ending in paintLogLine's text) reports, or undefined for any other line. */
export function parsePaintLogLine(line: string): PaintRecord | undefined {
  const m = paintLinePattern.exec(line);
  if (!m) return undefined;
  return {
    panel: m[1] as PanelKind,
    first: m[2] === 'first paint',
    sinceOpenMs: Number(m[3]),
    sinceLoadMs: Number(m[4]),
    scriptStartMs: Number(m[5]),
    renderMs: Number(m[6]),
    content: m[7]!,
  };
}

export class PanelPerf {
  private readonly records: PaintRecord[] = [];

  constructor(private readonly onRecord: (r: PaintRecord) => void = () => {}) {}

  record(r: PaintRecord): void {
    // Bounded: a streaming losses panel paints continuously.
    if (this.records.length >= 1000) this.records.splice(0, 500);
    this.records.push(r);
    this.onRecord(r);
  }

  all(): PaintRecord[] {
    return [...this.records];
  }
}
