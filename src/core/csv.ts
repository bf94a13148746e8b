/**
 * One CSV text cell, as every CSV this project writes quotes it (run metrics export, the webviews' chart data).
 * RFC 4180 quoting (a comma, quote or line break quotes the cell, quotes doubled), and formula injection guarded: a
 * text cell starting with =, +, -, @, tab or carriage return is what spreadsheets run as a formula (a run id or
 * metric name from someone else's runs folder could hold `=HYPERLINK(...)`), so it gets a leading apostrophe,
 * which spreadsheets show as text. Only text cells: numbers such as -0.5 are written as numbers.
 */
export function csvTextCell(text: string): string {
  const s = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
