/**
 * Drawing the loss curves: scales from the curves, axes and grid in an SVG overlay, curves on a canvas (hundreds of
 * curves of a few thousand points redraw in milliseconds there), and the same curves as SVG paths for export.
 * Colours are read from the theme (canvas cannot use CSS variables).
 */
import * as d3 from 'd3';
import type { LossSeries, LossView } from '../../src/protocol/webview';
import type { ThemeColours } from '../shared/theme';

export const margin = { top: 12, right: 16, bottom: 40, left: 64 };
const dashes = [[], [6, 3], [2, 3], [8, 3, 2, 3]];

export interface CurveStyle {
  colour: string;
  dash: number[];
}

export interface Scales {
  x: d3.ScaleContinuousNumeric<number, number>;
  y: d3.ScaleContinuousNumeric<number, number>;
  width: number;
  height: number;
}

export const xLabels: Record<LossView['x'], string> = { step: 'step', tokens: 'tokens', flops: 'training FLOPs', wallMs: 'wall time (s)' };

/** Wall time is recorded in ms and shown in seconds. */
export const xValue = (view: LossView, x: number) => (view.x === 'wallMs' ? x / 1000 : x);

export function styleOf(colourIndex: number, metricIndex: number, theme: ThemeColours): CurveStyle {
  return { colour: theme.series[colourIndex % theme.series.length], dash: dashes[metricIndex % dashes.length] };
}

function extent(values: Iterable<number>, positiveOnly: boolean): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (positiveOnly && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

function* allOf(series: LossSeries[], pick: (s: LossSeries) => Float64Array[]): Iterable<number> {
  for (const s of series) for (const a of pick(s)) yield* a;
}

export function scalesFor(series: LossSeries[], view: LossView, width: number, height: number): Scales | undefined {
  const showRaw = view.smoothing > 0;
  const xs = extent(allOf(series, (s) => [s.raw.x]), view.logX);
  const ys = extent(allOf(series, (s) => (showRaw ? [s.raw.y, s.smooth.y] : [s.smooth.y])), view.logY);
  if (!xs || !ys) return undefined;
  const w = Math.max(50, width - margin.left - margin.right);
  const h = Math.max(50, height - margin.top - margin.bottom);
  const [x0, x1] = [xValue(view, xs[0]), xValue(view, xs[1])];
  const x = (view.logX ? d3.scaleLog([x0, x1 > x0 ? x1 : x0 * 10], [0, w]) : d3.scaleLinear([x0, x1 > x0 ? x1 : x0 + 1], [0, w])) as d3.ScaleContinuousNumeric<number, number>;
  const pad = view.logY ? 0 : (ys[1] - ys[0]) * 0.04 || 1;
  const y = (view.logY ? d3.scaleLog([ys[0], ys[1] > ys[0] ? ys[1] : ys[0] * 10], [h, 0]) : d3.scaleLinear([ys[0] - pad, ys[1] + pad], [h, 0])) as d3.ScaleContinuousNumeric<number, number>;
  if (!view.logY) y.nice();
  return { x, y, width: w, height: h };
}

export function drawAxes(g: d3.Selection<SVGGElement, unknown, null, undefined>, s: Scales, view: LossView, yLabel: string): void {
  g.selectChildren().remove();
  const xTicks = Math.max(2, Math.floor(s.width / 90));
  const yTicks = Math.max(2, Math.floor(s.height / 45));
  g.append('g').attr('class', 'grid').attr('transform', `translate(0,${s.height})`).call(d3.axisBottom(s.x).ticks(xTicks).tickSize(-s.height).tickFormat(() => ''));
  g.append('g').attr('class', 'grid').call(d3.axisLeft(s.y).ticks(yTicks).tickSize(-s.width).tickFormat(() => ''));
  g.append('g').attr('class', 'axis x-axis').attr('transform', `translate(0,${s.height})`).call(d3.axisBottom(s.x).ticks(xTicks, '~s'));
  g.append('g').attr('class', 'axis y-axis').call(d3.axisLeft(s.y).ticks(yTicks, view.logY ? '~g' : undefined));
  g.append('text').attr('class', 'axis-label').attr('x', s.width / 2).attr('y', s.height + 34).attr('text-anchor', 'middle').text(`${xLabels[view.x]}${view.logX ? ' (log)' : ''}`);
  g.append('text')
    .attr('class', 'axis-label')
    .attr('transform', `translate(${-48},${s.height / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(`${yLabel}${view.logY ? ' (log)' : ''}`);
}

/** Points of a curve in pixels, skipping what a log axis cannot show. */
function pixels(xs: Float64Array, ys: Float64Array, s: Scales, view: LossView): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < xs.length; i++) {
    const x = xValue(view, xs[i]);
    const y = ys[i];
    if (!Number.isFinite(y) || (view.logX && x <= 0) || (view.logY && y <= 0)) continue;
    out.push([s.x(x), s.y(y)]);
  }
  return out;
}

export interface Curve {
  series: LossSeries;
  style: CurveStyle;
}

export function drawCanvas(canvas: HTMLCanvasElement, curves: Curve[], s: Scales, view: LossView): void {
  const ratio = window.devicePixelRatio || 1;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.save();
  ctx.beginPath();
  ctx.rect(margin.left, margin.top, s.width, s.height);
  ctx.clip();
  ctx.translate(margin.left, margin.top);
  ctx.lineJoin = 'round';
  const stroke = (pts: [number, number][], style: CurveStyle, alpha: number, width: number) => {
    if (!pts.length) return;
    ctx.beginPath();
    ctx.moveTo(pts[0][0], pts[0][1]);
    for (let i = 1; i < pts.length; i++) ctx.lineTo(pts[i][0], pts[i][1]);
    ctx.globalAlpha = alpha;
    ctx.strokeStyle = style.colour;
    ctx.lineWidth = width;
    ctx.setLineDash(style.dash);
    ctx.stroke();
  };
  // Raw values faint under their smoothed curve, as TensorBoard shows them.
  if (view.smoothing > 0) for (const c of curves) stroke(pixels(c.series.raw.x, c.series.raw.y, s, view), c.style, 0.22, 1);
  for (const c of curves) stroke(pixels(c.series.smooth.x, c.series.smooth.y, s, view), c.style, 1, 1.6);
  ctx.restore();
}

/** The curves as SVG paths (for export: the same picture as the canvas). */
export function appendCurvePaths(g: d3.Selection<SVGGElement, unknown, null, undefined>, curves: Curve[], s: Scales, view: LossView): void {
  const line = d3.line();
  const add = (pts: [number, number][], style: CurveStyle, opacity: number, width: number) =>
    g
      .append('path')
      .attr('class', 'curve')
      .attr('d', line(pts))
      .attr('stroke', style.colour)
      .attr('stroke-opacity', opacity)
      .attr('stroke-width', width)
      .attr('stroke-dasharray', style.dash.join(' ') || null);
  if (view.smoothing > 0) for (const c of curves) add(pixels(c.series.raw.x, c.series.raw.y, s, view), c.style, 0.22, 1);
  for (const c of curves) add(pixels(c.series.smooth.x, c.series.smooth.y, s, view), c.style, 1, 1.6);
}

/** Index of the point of `xs` nearest to x (xs non-decreasing). */
export function nearest(xs: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && Math.abs(xs[lo - 1] - x) <= Math.abs(xs[lo] - x) ? lo - 1 : lo;
}
