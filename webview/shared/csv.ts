/** CSV as spreadsheets and pandas read it: one header row, text cells as core/csv.ts writes them, numbers at full precision. */
import { csvTextCell } from '../../src/core/csv';

export type CsvCell = string | number | boolean | null | undefined;

function cell(v: CsvCell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return csvTextCell(String(v));
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
