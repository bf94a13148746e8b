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
