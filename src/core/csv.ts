/**
 * The one CSV dialect of every export (a run's metrics, the panels' data): RFC 4180 as spreadsheets and pandas read
 * it. One header row, CRLF line ends, a cell quoted when it holds a comma, quote or line break (its quotes doubled),
 * numbers at full precision, non-finite numbers as nan, inf and -inf (pandas reads them back as floats), an absent
 * value as an empty cell. A text cell that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
 * carriage return) gets a leading apostrophe, so an exported run or spec name can never execute (OWASP's advice on
 * CSV injection); numbers are never text cells, so negative values stay numbers.
 */
export type CsvCell = string | number | boolean | null | undefined;

export const CSV_LINE_END = '\r\n';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvCell): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan';
  const text = String(value);
  const safe = typeof value === 'string' && FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvLine(cells: readonly CsvCell[]): string {
  return cells.map(csvCell).join(',') + CSV_LINE_END;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  return [header, ...rows].map(csvLine).join('');
}
