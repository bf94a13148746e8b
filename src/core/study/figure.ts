/**
 * A study figure (study.ts) drawn as standalone SVG text: axes (log where the figure says), one coloured line with
 * markers per series, each fitted power law as a dashed line over the x range it was fitted on, and a legend that
 * gives each fit's exponent. The study panel shows and exports exactly this text, and `mlbtc study --svg` writes it
 * headless, so docs/images holds the panel's own rendering. Colours are attributes, not CSS (the panel's CSP
 * forbids inline styles, and every SVG reader understands attributes).
 */
import { line, scaleLinear, scaleLog, type ScaleContinuousNumeric } from 'd3';
import { powerLawAt } from './powerLaw';
import type { Figure } from './study';

export interface FigureTheme {
  foreground: string;
  background: string;
  grid: string;
  font: string;
}

export const LIGHT_THEME: FigureTheme = { foreground: '#1f1f1f', background: '#ffffff', grid: '#e0e0e0', font: 'sans-serif' };

/** One colour per family, fixed so a family keeps its colour across views and figures (Tableau 10). */
const PALETTE = ['#4e79a7', '#e15759', '#59a14f', '#f28e2b', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac'];
const FAMILY_COLOURS: Record<string, string> = {
  dense: PALETTE[0]!,
  mlr: PALETTE[1]!,
  'bilinear-btt': PALETTE[2]!,
  'bilinear-mlr': PALETTE[3]!,
  'sliding-window': PALETTE[4]!,
  'global-local': PALETTE[5]!,
};

export function seriesColour(name: string, index: number): string {
  return FAMILY_COLOURS[name] ?? PALETTE[6 + (index % 4)]!; // the four colours no family owns
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number) =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1).replace('e+', 'e') : String(Number(v.toPrecision(3)));

function scale(log: boolean, values: number[], range: [number, number]): ScaleContinuousNumeric<number, number> {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = finite.length ? Math.min(...finite) : 1;
  let hi = finite.length ? Math.max(...finite) : 10;
  if (lo === hi) [lo, hi] = log ? [lo / 2, hi * 2] : [lo - 0.5, hi + 0.5];
  if (log) {
    const pad = Math.max((hi / lo) ** 0.06, 1.01); // 6 % of the log range on each side, as the linear axes
    return scaleLog()
      .domain([lo / pad, hi * pad])
      .range(range);
  }
  const pad = (hi - lo) * 0.06;
  return scaleLinear()
    .domain([lo - pad, hi + pad])
    .nice()
    .range(range);
}

/** Tick values: a log axis keeps its 1·10^k, 2·10^k and 5·10^k ticks when there are few decades, else powers of 10. */
function ticks(s: ScaleContinuousNumeric<number, number>, log: boolean): number[] {
  const all = s.ticks(6);
  if (!log) return all;
  const [lo, hi] = s.domain() as [number, number];
  const decades = Math.log10(hi / lo);
  if (decades < 1) return all; // within a decade d3's ticks are few and all worth a label
  const keep = (v: number) => {
    const m = Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));
    return decades > 2 ? m === 1 : m === 1 || m === 2 || m === 5;
  };
  const kept = all.filter(keep);
  return kept.length >= 2 ? kept : all;
}

export function renderFigureSvg(fig: Figure, width = 720, height = 440, theme: FigureTheme = LIGHT_THEME): string {
  const legendWidth = 280;
  const m = { top: 36, right: legendWidth + 16, bottom: 48, left: 64 };
  const pw = Math.max(120, width - m.left - m.right);
  const ph = Math.max(120, height - m.top - m.bottom);
  const xs = fig.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = fig.series.flatMap((s) => [
    ...s.points.map((p) => p[1]),
    ...(s.fit ? [powerLawAt(s.fit, s.fit.xMin), powerLawAt(s.fit, s.fit.xMax)] : []),
  ]);
  const x = scale(fig.xLog, xs, [0, pw]);
  const y = scale(fig.yLog, ys, [ph, 0]);
  const font = `font-family="${esc(theme.font)}" fill="${theme.foreground}"`;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
  out.push(`<rect width="100%" height="100%" fill="${theme.background}"/>`);
  // A long title (several searches) shrinks to fit the width: about 0.6 em per character.
  const titleSize = Math.max(9, Math.min(14, (width - m.left - 8) / (0.6 * fig.title.length))).toFixed(1);
  out.push(`<text x="${m.left}" y="20" font-size="${titleSize}" font-weight="600" ${font}>${esc(fig.title)}</text>`);
  out.push(`<g transform="translate(${m.left},${m.top})">`);
  for (const t of ticks(x, fig.xLog)) {
    const px = x(t).toFixed(1);
    out.push(`<line x1="${px}" x2="${px}" y1="0" y2="${ph}" stroke="${theme.grid}" stroke-opacity="0.35"/>`);
    out.push(`<text x="${px}" y="${ph + 16}" font-size="11" text-anchor="middle" ${font}>${esc(num(t))}</text>`);
  }
  for (const t of ticks(y, fig.yLog)) {
    const py = y(t).toFixed(1);
    out.push(`<line x1="0" x2="${pw}" y1="${py}" y2="${py}" stroke="${theme.grid}" stroke-opacity="0.35"/>`);
    out.push(`<text x="-6" y="${py}" font-size="11" text-anchor="end" dominant-baseline="middle" ${font}>${esc(num(t))}</text>`);
  }
  out.push(`<rect width="${pw}" height="${ph}" fill="none" stroke="${theme.foreground}" stroke-opacity="0.5"/>`);
  out.push(
    `<text x="${pw / 2}" y="${ph + 38}" font-size="12" text-anchor="middle" ${font}>${esc(fig.xLabel)}${fig.xLog ? ' (log)' : ''}</text>`,
  );
  out.push(
    `<text transform="translate(-48,${ph / 2}) rotate(-90)" font-size="12" text-anchor="middle" ${font}>${esc(fig.yLabel)}${fig.yLog ? ' (log)' : ''}</text>`,
  );
  const path = line<[number, number]>()
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  fig.series.forEach((s, i) => {
    const colour = seriesColour(s.name, i);
    const pts = s.points.filter(([px, py]) => (!fig.xLog || px > 0) && (!fig.yLog || py > 0));
    out.push(`<g data-series="${esc(s.name)}">`);
    if (pts.length > 1) out.push(`<path d="${path(pts)}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    pts.forEach(([px, py], k) => {
      const title = `${s.name}${s.labels?.[k] ? ` · ${s.labels[k]}` : ''}: ${num(px)}, ${num(py)}`;
      out.push(`<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3.5" fill="${colour}"><title>${esc(title)}</title></circle>`);
    });
    if (s.fit) {
      const f = s.fit;
      const n = 24;
      const fitted = Array.from({ length: n + 1 }, (_, k) => {
        const fx = f.xMin * (f.xMax / f.xMin) ** (k / n);
        return [fx, powerLawAt(f, fx)] as [number, number];
      });
      out.push(`<path d="${path(fitted)}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-dasharray="5 4" opacity="0.9"/>`);
    }
    out.push('</g>');
  });
  out.push('</g>');
  // Legend: one row per series, the fit's exponent beside it.
  const lx = width - legendWidth;
  fig.series.forEach((s, i) => {
    const ly = m.top + 8 + i * 20;
    const colour = seriesColour(s.name, i);
    const fit = s.fit ? `  ∝ C^${s.fit.b.toFixed(3)} (r² ${s.fit.r2.toFixed(2)})` : '';
    out.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<circle cx="${lx + 9}" cy="${ly}" r="3.5" fill="${colour}"/>`);
    out.push(`<text x="${lx + 24}" y="${ly}" font-size="12" dominant-baseline="middle" ${font}>${esc(s.name)}${esc(fit)}</text>`);
  });
  if (fig.series.some((s) => s.fit)) {
    const ly = m.top + 8 + fig.series.length * 20 + 4;
    out.push(
      `<text x="${lx}" y="${ly}" font-size="11" dominant-baseline="middle" ${font} opacity="0.75">dashed: least-squares power law, log-log</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}
