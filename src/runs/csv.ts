/**
 * A run's metrics as CSV that pandas and spreadsheets read directly: one header row, then one row per record in file
 * order. Columns: kind, the position (step, tokens, flops, wallMs), the training columns (loss, lr), then every
 * evaluation metric in the order it first appears; a cell a record does not have is empty. The file is streamed twice
 * (once for the columns, once for the rows), so any length exports in bounded memory. Used by `mlbtc export` and the
 * editor's Export Run.
 */
import { csvTextCell } from '../core/csv';
import type { MetricRecord } from '../protocol/run';
import { describeSkipped, forEachMetric } from './metrics';

const FIXED = ['kind', 'step', 'tokens', 'flops', 'wallMs', 'loss', 'lr'];

/** A number as is (non-finite ones as pandas spells them), text through csvTextCell (quoting, formula guard). */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan';
  return csvTextCell(String(value));
}

/** Write the CSV of `metricsFile` through `write`; returns the skipped-line warnings. */
export function exportCsv(metricsFile: string, write: (text: string) => void): string[] {
  const columns = [...FIXED];
  const known = new Set(columns);
  forEachMetric(metricsFile, (r) => {
    for (const key of Object.keys(r)) {
      if (!known.has(key)) {
        known.add(key);
        columns.push(key);
      }
    }
  });
  write(`${columns.map(csvCell).join(',')}\n`);
  let pending = '';
  const report = forEachMetric(metricsFile, (r: MetricRecord) => {
    const row = r as unknown as Record<string, unknown>;
    pending += `${columns.map((c) => csvCell(row[c])).join(',')}\n`;
    if (pending.length > 1 << 16) {
      write(pending);
      pending = '';
    }
  });
  if (pending) write(pending);
  return describeSkipped(metricsFile, report);
}
