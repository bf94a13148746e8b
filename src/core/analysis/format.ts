/** How counts and sizes read wherever an analysis is shown: the CLI tables, the analysis view, the CodeLens and hover. */

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
