/**
 * A run's metrics as CSV (the dialect of src/core/csv.ts): one header row, then one row per record in file
 * order. Columns: kind, the position (METRIC_POSITION_KEYS), the training columns (loss, lr), then every
 * evaluation metric in the order it first appears; a cell a record does not have is empty. The file is streamed twice
 * (once for the columns, once for the rows), so any length exports in bounded memory. Used by `mlbtc export` and the
 * editor's Export Run.
 */
import { csvLine, type CsvCell } from '../core/csv';
import { METRIC_POSITION_KEYS, type MetricRecord } from '../protocol/run';
import { describeSkipped, forEachMetric } from './metrics';

const FIXED = ['kind', ...METRIC_POSITION_KEYS, 'loss', 'lr'];

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
  write(csvLine(columns));
  let pending = '';
  const report = forEachMetric(metricsFile, (r: MetricRecord) => {
    const row = r as unknown as Record<string, CsvCell>;
    pending += csvLine(columns.map((c) => row[c]));
    if (pending.length > 1 << 16) {
      write(pending);
      pending = '';
    }
  });
  if (pending) write(pending);
  return describeSkipped(metricsFile, report);
}
