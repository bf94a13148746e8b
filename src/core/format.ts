/** How numbers, durations and tables read wherever the studio shows them: the CLI, the analysis view, the CodeLens, hover and views. */

const groupDigits = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Exact, with thousands separators: 4,804,480. */
export function exactCount(n: number): string {
  return groupDigits.format(n);
}

/** Three significant digits and a decimal suffix: 4.80 M, 12.6 G, 950. */
export function shortCount(n: number): string {
  return withSuffix(n, 1000, ['', ' k', ' M', ' G', ' T', ' P']);
}

/** Bytes with a binary suffix: 48.0 KiB, 1.50 MiB, 512 B. */
export function shortBytes(n: number): string {
  return withSuffix(n, 1024, [' B', ' KiB', ' MiB', ' GiB', ' TiB', ' PiB']);
}

function withSuffix(n: number, base: number, suffixes: string[]): string {
  if (!Number.isFinite(n)) return String(n);
  let i = 0;
  let v = Math.abs(n);
  while (v >= base && i < suffixes.length - 1) {
    v /= base;
    i++;
  }
  // Three digits cannot show 999.96 k or 1023.9 KiB: once rounding reaches 1000, move up a unit (1.00 M, 1.00 MiB).
  if (i > 0 && Number(v.toPrecision(3)) >= 1000 && i < suffixes.length - 1) {
    v /= base;
    i++;
  }
  const digits = i === 0 ? String(Math.round(v)) : v.toPrecision(3);
  return `${n < 0 ? '-' : ''}${digits}${suffixes[i]}`;
}

/** "42s", "3m07s", "2h05m"; "?" for a negative or unknown span. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** "1 trial", "3 trials". */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Rows of cells as aligned columns; `right` marks numeric columns. */
export function textTable(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Block indices as runs: [0, 1, 2, 4] → "0–2, 4". */
export function layerIndices(layers: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < layers.length; i++) {
    let j = i;
    while (j + 1 < layers.length && layers[j + 1] === layers[j]! + 1) j++;
    runs.push(j > i ? `${layers[i]}–${layers[j]}` : String(layers[i]));
    i = j;
  }
  return runs.join(', ');
}

/** One block's attention in words: "mlr", or "4 × mlr + 4 × dense" for head groups. */
export function structureLabel(groups: readonly { heads: number; kind: string }[]): string {
  return groups.map((g) => (groups.length > 1 ? `${g.heads} × ${g.kind}` : g.kind)).join(' + ');
}
