/**
 * Reading a numeric CSV table (ETT format: a header row, a date column, numeric channels). Every problem names the
 * file, the 1-based line and, for cells, the column. Fields may be double-quoted (RFC 4180, no newlines inside).
 */
import { DataError } from './dataError';

export interface NumericTable {
  file: string;
  /** Numeric column names, in file order (the date column left out). */
  columns: string[];
  /** rows[i][c]: data row i (file line rowLines[i]), numeric column c. */
  rows: Float64Array[];
  /** File line of each data row, for later messages. */
  rowLines: number[];
}

/** Split one CSV line into fields, honouring double quotes. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

/** Parse `text` with a header row; every column except `dateColumn` must be numeric in every row. */
export function parseNumericCsv(file: string, text: string, dateColumn: string): NumericTable {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '');
  const dateIndex = header.indexOf(dateColumn);
  if (dateIndex < 0) {
    throw new DataError(
      file,
      1,
      `the header has no "${dateColumn}" column (task.dateColumn); its columns are ${header.map((h) => `"${h}"`).join(', ')}.`,
    );
  }
  const numeric = header.map((name, i) => ({ name, i })).filter(({ i }) => i !== dateIndex);
  if (numeric.length === 0) throw new DataError(file, 1, `the header names no numeric column besides "${dateColumn}".`);
  const rows: Float64Array[] = [];
  const rowLines: number[] = [];
  for (let l = 1; l < lines.length; l++) {
    if (lines[l]!.trim() === '') continue;
    const cells = splitCsvLine(lines[l]!);
    if (cells.length !== header.length) {
      throw new DataError(file, l + 1, `this row has ${cells.length} cells but the header has ${header.length} columns.`);
    }
    const row = new Float64Array(numeric.length);
    numeric.forEach(({ name, i }, c) => {
      const cell = cells[i]!;
      const value = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(value)) {
        throw new DataError(file, l + 1, `column "${name}" holds ${cell === '' ? 'an empty cell' : `"${cell}"`}, not a number.`, name);
      }
      row[c] = value;
    });
    rows.push(row);
    rowLines.push(l + 1);
  }
  return { file, columns: numeric.map((n) => n.name), rows, rowLines };
}
