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

/** `colourIndex`: the run's stable colour (colours.ts RunColours); `metricIndex` picks the dash. */
export function styleOf(colourIndex: number, metricIndex: number, theme: ThemeColours): CurveStyle {
  return { colour: theme.series[colourIndex % theme.series.length], dash: dashes[metricIndex % dashes.length] };
}

/** Range of the finite values of some arrays (positive only on a log axis). */
function extent(arrays: Float64Array[], positiveOnly: boolean, scale = 1): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i] * scale;
      if (!Number.isFinite(v) || (positiveOnly && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/**
 * Scales for the curves. Linear domains are rounded outwards to nice values, so a streaming curve moves the axes
 * only when it crosses one: between those, unchanged curves keep their cached paths.
 */
export function scalesFor(series: LossSeries[], view: LossView, width: number, height: number): Scales | undefined {
  const showRaw = view.smoothing > 0;
  const xs = extent(
    series.map((s) => s.raw.x),
    view.logX,
    view.x === 'wallMs' ? 1 / 1000 : 1,
  );
  const ys = extent(
    series.flatMap((s) => (showRaw ? [s.raw.y, s.smooth.y] : [s.smooth.y])),
    view.logY,
  );
  if (!xs || !ys) return undefined;
  const w = Math.max(50, width - margin.left - margin.right);
  const h = Math.max(50, height - margin.top - margin.bottom);
  const [x0, x1] = xs;
  const x = (
    view.logX ? d3.scaleLog([x0, x1 > x0 ? x1 : x0 * 10], [0, w]) : d3.scaleLinear([x0, x1 > x0 ? x1 : x0 + 1], [0, w]).nice()
  ) as d3.ScaleContinuousNumeric<number, number>;
  const pad = view.logY ? 0 : (ys[1] - ys[0]) * 0.04 || 1;
  const y = (
    view.logY ? d3.scaleLog([ys[0], ys[1] > ys[0] ? ys[1] : ys[0] * 10], [h, 0]) : d3.scaleLinear([ys[0] - pad, ys[1] + pad], [h, 0]).nice()
  ) as d3.ScaleContinuousNumeric<number, number>;
  return { x, y, width: w, height: h };
}

/** v ↦ pixel of a linear or log scale as one multiply-add (d3's scale functions are too slow per point here). */
function affine(scale: d3.ScaleContinuousNumeric<number, number>, log: boolean, unit = 1): (v: number) => number {
  const [d0, d1] = scale.domain();
  const [r0, r1] = scale.range();
  if (log) {
    const a = (r1 - r0) / (Math.log(d1) - Math.log(d0));
    const b = r0 - a * Math.log(d0) + a * Math.log(unit);
    return (v) => a * Math.log(v) + b;
  }
  const a = ((r1 - r0) / (d1 - d0)) * unit;
  const b = r0 - ((r1 - r0) / (d1 - d0)) * d0;
  return (v) => a * v + b;
}

/** What the pixel positions of a curve depend on: when it is unchanged, a cached path is still right. */
export function scaleSignature(s: Scales, view: LossView): string {
  return `${s.x.domain()}|${s.y.domain()}|${s.width}|${s.height}|${view.logX}|${view.logY}|${view.x}`;
}

export function drawAxes(g: d3.Selection<SVGGElement, unknown, null, undefined>, s: Scales, view: LossView, yLabel: string): void {
  g.selectChildren().remove();
  const xTicks = Math.max(2, Math.floor(s.width / 90));
  const yTicks = Math.max(2, Math.floor(s.height / 45));
  g.append('g')
    .attr('class', 'grid')
    .attr('transform', `translate(0,${s.height})`)
    .call(
      d3
        .axisBottom(s.x)
        .ticks(xTicks)
        .tickSize(-s.height)
        .tickFormat(() => ''),
    );
  g.append('g')
    .attr('class', 'grid')
    .call(
      d3
        .axisLeft(s.y)
        .ticks(yTicks)
        .tickSize(-s.width)
        .tickFormat(() => ''),
    );
  g.append('g').attr('class', 'axis x-axis').attr('transform', `translate(0,${s.height})`).call(d3.axisBottom(s.x).ticks(xTicks, '~s'));
  g.append('g')
    .attr('class', 'axis y-axis')
    .call(d3.axisLeft(s.y).ticks(yTicks, view.logY ? '~g' : undefined));
  g.append('text')
    .attr('class', 'axis-label')
    .attr('x', s.width / 2)
    .attr('y', s.height + 34)
    .attr('text-anchor', 'middle')
    .text(`${xLabels[view.x]}${view.logX ? ' (log)' : ''}`);
  g.append('text')
    .attr('class', 'axis-label')
    .attr('transform', `translate(${-48},${s.height / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(`${yLabel}${view.logY ? ' (log)' : ''}`);
}

/** Points of a curve in pixels, skipping what a log axis cannot show. */
function pixels(xs: Float64Array, ys: Float64Array, s: Scales, view: LossView): Float64Array {
  const px = affine(s.x, view.logX, view.x === 'wallMs' ? 1 / 1000 : 1);
  const py = affine(s.y, view.logY);
  const out = new Float64Array(xs.length * 2);
  let n = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (!Number.isFinite(y) || (view.logX && x <= 0) || (view.logY && y <= 0)) continue;
    out[n++] = px(x);
    out[n++] = py(y);
  }
  return out.subarray(0, n);
}

export interface Curve {
  series: LossSeries;
  style: CurveStyle;
}

/** Canvas paths of curves, kept while the curve data and the scales stay the same (streaming redraws one run). */
export class PathCache {
  private readonly paths = new WeakMap<Float64Array, { signature: string; path: Path2D }>();

  get(xs: Float64Array, ys: Float64Array, s: Scales, view: LossView, signature: string): Path2D {
    const hit = this.paths.get(xs);
    if (hit?.signature === signature) return hit.path;
    const pts = pixels(xs, ys, s, view);
    const path = new Path2D();
    if (pts.length) path.moveTo(pts[0], pts[1]);
    for (let i = 2; i < pts.length; i += 2) path.lineTo(pts[i], pts[i + 1]);
    this.paths.set(xs, { signature, path });
    return path;
  }
}

/**
 * Curves of at most this many points get a marker on every point: a lone evaluation is otherwise an invisible
 * zero-length line, and a few sparse evaluations read better as points than as a polyline.
 */
export const MARKER_MAX_POINTS = 64;
const MARKER_RADIUS = 2.5;

/** The x read-out of the hover: steps are whole numbers ("step 81"), the other axes three significant digits. */
export function formatHoverX(axis: LossView['x'], value: number): string {
  if (axis === 'step') return `${xLabels.step} ${Math.round(value)}`;
  return `${xLabels[axis]} ${d3.format('.3~s')(value)}`;
}

/** Stroke curves (raw values faint under their smoothed curve, as TensorBoard shows them) on a 2D context. */
function strokeCurves(ctx: CanvasRenderingContext2D, curves: readonly Curve[], s: Scales, view: LossView, cache: PathCache): void {
  const signature = scaleSignature(s, view);
  const stroke = (xs: Float64Array, ys: Float64Array, style: CurveStyle, alpha: number, width: number) => {
    ctx.globalAlpha = alpha;
    ctx.strokeStyle = style.colour;
    ctx.lineWidth = width;
    ctx.setLineDash(style.dash);
    ctx.stroke(cache.get(xs, ys, s, view, signature));
  };
  if (view.smoothing > 0) for (const c of curves) stroke(c.series.raw.x, c.series.raw.y, c.style, 0.22, 1);
  for (const c of curves) stroke(c.series.smooth.x, c.series.smooth.y, c.style, 1, 1.6);
  ctx.globalAlpha = 1;
  for (const c of curves) {
    if (c.series.smooth.x.length > MARKER_MAX_POINTS) continue;
    const pts = pixels(c.series.smooth.x, c.series.smooth.y, s, view);
    ctx.fillStyle = c.style.colour;
    for (let i = 0; i < pts.length; i += 2) {
      ctx.beginPath();
      ctx.arc(pts[i], pts[i + 1], MARKER_RADIUS, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}

export const curveKey = (c: { runId: string; metric: string }) => `${c.runId}\u0000${c.metric}`;

/**
 * The curves' canvas, in two layers so streaming stays cheap: a cached bitmap of every curve that is not streaming
 * (drawn once per scale change), and the streaming ("hot") curves drawn over it on each update. While the scales
 * keep their nice bounds and the same runs stream, an update costs one bitmap copy plus the hot curves.
 */
export class CurveCanvas {
  private readonly base = document.createElement('canvas');
  private baseKey = '';
  readonly paths = new PathCache();

  draw(canvas: HTMLCanvasElement, curves: readonly Curve[], s: Scales, view: LossView, hot: ReadonlySet<string>): void {
    const cold = curves.filter((c) => !hot.has(curveKey(c.series)));
    const warm = curves.filter((c) => hot.has(curveKey(c.series)));
    const key = `${scaleSignature(s, view)}|${canvas.width}x${canvas.height}|${cold.map((c) => `${curveKey(c.series)}:${c.style.colour}:${c.series.smooth.x.length}`).join(',')}`;
    if (key !== this.baseKey) {
      this.base.width = canvas.width;
      this.base.height = canvas.height;
      this.paint(this.base, cold, s, view, false);
      this.baseKey = key;
    }
    this.paint(canvas, warm, s, view, true);
  }

  private paint(target: HTMLCanvasElement, curves: readonly Curve[], s: Scales, view: LossView, withBase: boolean): void {
    const ratio = window.devicePixelRatio || 1;
    const ctx = target.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, target.width, target.height);
    if (withBase) ctx.drawImage(this.base, 0, 0);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.save();
    ctx.beginPath();
    ctx.rect(margin.left, margin.top, s.width, s.height);
    ctx.clip();
    ctx.translate(margin.left, margin.top);
    ctx.lineJoin = 'round';
    strokeCurves(ctx, curves, s, view, this.paths);
    ctx.restore();
  }

  clear(canvas: HTMLCanvasElement): void {
    canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
    this.baseKey = '';
  }
}

/** The curves as SVG paths (for export: the same picture as the canvas). */
export function appendCurvePaths(g: d3.Selection<SVGGElement, unknown, null, undefined>, curves: Curve[], s: Scales, view: LossView): void {
  const d = (xs: Float64Array, ys: Float64Array) => {
    const pts = pixels(xs, ys, s, view);
    let out = '';
    for (let i = 0; i < pts.length; i += 2) out += `${i ? 'L' : 'M'}${pts[i].toFixed(1)},${pts[i + 1].toFixed(1)}`;
    return out;
  };
  const add = (xs: Float64Array, ys: Float64Array, style: CurveStyle, opacity: number, width: number) =>
    g
      .append('path')
      .attr('class', 'curve')
      .attr('d', d(xs, ys))
      .attr('stroke', style.colour)
      .attr('stroke-opacity', opacity)
      .attr('stroke-width', width)
      .attr('stroke-dasharray', style.dash.join(' ') || null);
  if (view.smoothing > 0) for (const c of curves) add(c.series.raw.x, c.series.raw.y, c.style, 0.22, 1);
  for (const c of curves) add(c.series.smooth.x, c.series.smooth.y, c.style, 1, 1.6);
  for (const c of curves) {
    if (c.series.smooth.x.length > MARKER_MAX_POINTS) continue;
    const pts = pixels(c.series.smooth.x, c.series.smooth.y, s, view);
    for (let i = 0; i < pts.length; i += 2) {
      g.append('circle')
        .attr('cx', pts[i].toFixed(1))
        .attr('cy', pts[i + 1].toFixed(1))
        .attr('r', MARKER_RADIUS)
        .attr('fill', c.style.colour);
    }
  }
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
