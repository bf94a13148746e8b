/** How every bench prints its tables: the first column (what was measured) left-aligned, the numbers right-aligned. */

const widthsOf = (header: readonly string[], rows: readonly string[][]) =>
  header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const align = (cells: readonly string[], widths: number[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)));

/** A plain aligned table with a rule under the header, then a blank line. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = widthsOf(header, rows);
  console.log(align(header, widths).join('  '));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const r of rows) console.log(align(r, widths).join('  '));
  console.log();
}

/** The same as a Markdown table, for pasting into bench/README.md and the notes. */
export function printMarkdownTable(header: string[], rows: string[][]): void {
  const widths = widthsOf(header, rows);
  const line = (cells: readonly string[]) => `| ${align(cells, widths).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, j) => (j === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}
