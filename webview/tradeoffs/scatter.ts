/**
 * The trade-off scatter: one point per structure (file, search candidate or finished run), compute on x against
 * rank, parameters or final loss on y, optionally log-log, with the Pareto front drawn as a staircase through the
 * points no other point beats on both axes (over every plotted point, whatever its source).
 * Marks: the shape says the rank's space (circle D×D, square T×T), the style the source (tradeoffs.css: files and
 * runs filled, candidates hollow rings), so neither depends on colour alone.
 */
import * as d3 from 'd3';
import { paretoFront, type ParetoGoals } from '../../src/core/pareto';
import { exactCount, shortCount } from '../../src/core/format';
import type { TradeoffPoint, TradeoffsState, TradeoffX, TradeoffY } from '../../src/protocol/webview';
import { tickLabels } from '../shared/ticks';
import type { Tooltip } from '../shared/tooltip';
import { placeLabels, segmentBoxes } from './labels';
import { inDrawOrder, SOURCES, sourceNames } from './sources';

export const xChoices: Record<TradeoffX, string> = { macsPerToken: 'forward MACs per token', macsPerSequence: 'forward MACs per sequence' };
export const yChoices: Record<TradeoffY, string> = { rank: 'scoring rank (per head)', params: 'parameters', finalLoss: 'final eval loss' };

/** Compute is always a cost; rank is what one buys with it, parameters and loss are costs too. */
export const goals: Record<TradeoffY, ParetoGoals> = {
  rank: { x: 'min', y: 'max' },
  params: { x: 'min', y: 'min' },
  finalLoss: { x: 'min', y: 'min' },
};

const margin = { top: 16, right: 24, bottom: 44, left: 72 };
const LEGEND_ROW = 18;
/** Room for a facet's heading above its plot. */
const TITLE_HEIGHT = 18;
/** Other points at one spot named in a tooltip; more are counted. */
const MAX_NAMED_OTHERS = 4;

export function valueOf(p: TradeoffPoint, axis: TradeoffX | TradeoffY): number | undefined {
  return p[axis];
}

/** Points that can be drawn on these axes (present, and positive on a log axis). */
export function drawable(points: TradeoffPoint[], s: TradeoffsState): TradeoffPoint[] {
  const ok = (v: number | undefined, log: boolean) => v !== undefined && Number.isFinite(v) && (!log || v > 0);
  return points.filter((p) => ok(valueOf(p, s.x), s.logX) && ok(valueOf(p, s.y), s.logY));
}

/** The corners of the front's staircase (d3.curveStepAfter): along x to the next point, then to its y. */
export function staircase(points: readonly (readonly [number, number])[]): [number, number][] {
  const out: [number, number][] = [];
  points.forEach(([px, py], i) => {
    if (i > 0) out.push([px, points[i - 1]![1]]);
    out.push([px, py]);
  });
  return out;
}

export interface ScatterOptions {
  /** Draw the legend (the first facet only, when there are several). */
  legend: boolean;
  /** A heading above the plot (a facet's group). */
  title?: string;
}

export function drawScatter(
  svgEl: SVGSVGElement,
  all: TradeoffPoint[],
  s: TradeoffsState,
  width: number,
  height: number,
  tooltip: Tooltip,
  open: (p: TradeoffPoint) => void,
  options: ScatterOptions = { legend: true },
): number[] {
  const svg = d3.select(svgEl);
  svg.selectChildren().remove();
  svg.attr('width', width).attr('height', height).attr('role', 'img');
  const points = inDrawOrder(drawable(all, s));
  svg.attr('aria-label', `${points.length} structures, ${yChoices[s.y]} against ${xChoices[s.x]}`);
  const w = Math.max(100, width - margin.left - margin.right);
  const top = margin.top + (options.title ? TITLE_HEIGHT : 0);
  const h = Math.max(100, height - top - margin.bottom);
  if (options.title) svg.append('text').attr('class', 'facet-title').attr('x', margin.left).attr('y', 16).text(options.title);
  const g = svg.append('g').attr('transform', `translate(${margin.left},${top})`);
  if (!points.length) return [];

  const xs = points.map((p) => valueOf(p, s.x)!);
  const ys = points.map((p) => valueOf(p, s.y)!);
  const scale = (log: boolean, values: number[], range: [number, number]) => {
    const [lo, hi] = d3.extent(values) as [number, number];
    // Log: a margin of a quarter decade around the data (nice() would widen to whole decades). Linear: from 0.
    return log
      ? (d3.scaleLog([lo / 1.8, hi * 1.8], range) as d3.ScaleContinuousNumeric<number, number>)
      : (d3.scaleLinear([Math.min(0, lo), hi * 1.08 || 1], range).nice() as d3.ScaleContinuousNumeric<number, number>);
  };
  const x = scale(s.logX, xs, [0, w]);
  const y = scale(s.logY, ys, [h, 0]);

  const xTicks = Math.max(2, Math.floor(w / 90));
  const yTicks = Math.max(2, Math.floor(h / 45));
  g.append('g')
    .attr('class', 'grid')
    .attr('transform', `translate(0,${h})`)
    .call(
      d3
        .axisBottom(x)
        .ticks(xTicks)
        .tickSize(-h)
        .tickFormat(() => ''),
    );
  g.append('g')
    .attr('class', 'grid')
    .call(
      d3
        .axisLeft(y)
        .ticks(yTicks)
        .tickSize(-w)
        .tickFormat(() => ''),
    );
  g.append('g')
    .attr('class', 'axis')
    .attr('transform', `translate(0,${h})`)
    .call(
      d3
        .axisBottom(x)
        .ticks(xTicks)
        .tickFormat(tickLabels(x, xTicks, shortCount, s.logX)),
    );
  const yFormat = s.y === 'finalLoss' ? d3.format('.3~g') : shortCount;
  g.append('g')
    .attr('class', 'axis')
    .call(
      d3
        .axisLeft(y)
        .ticks(yTicks)
        .tickFormat(tickLabels(y, yTicks, yFormat, s.logY)),
    );
  g.append('text')
    .attr('class', 'axis-label')
    .attr('x', w / 2)
    .attr('y', h + 36)
    .attr('text-anchor', 'middle')
    .text(`${xChoices[s.x]}${s.logX ? ' (log)' : ''}`);
  g.append('text')
    .attr('class', 'axis-label')
    .attr('transform', `translate(-56,${h / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(`${yChoices[s.y]}${s.logY ? ' (log)' : ''}`);

  const front = paretoFront(
    xs.map((v, i) => [v, ys[i]] as const),
    goals[s.y],
  );
  const onFront = new Set(front);
  // Staircase through the front: from each point, along x to the next one, then to its y.
  const stairs = d3.line().curve(d3.curveStepAfter)(front.map((i) => [x(xs[i]), y(ys[i])]));
  g.append('path').attr('class', 'front-line').attr('d', stairs);

  const symbol = d3.symbol().size(70);
  const marks = g
    .append('g')
    .selectAll('path.point')
    .data(points)
    .join('path')
    .attr('class', (p, i) => `point ${p.source}${onFront.has(i) ? ' front' : ''}`)
    .attr('data-id', (p) => p.id)
    .attr('tabindex', 0)
    .attr('role', 'button')
    .attr(
      'aria-label',
      (p) =>
        `${sourceNames[p.source].one} ${p.label}: ${exactCount(valueOf(p, s.y)!)} ${yChoices[s.y]}, ${exactCount(valueOf(p, s.x)!)} ${xChoices[s.x]}`,
    )
    .attr('transform', (_, i) => `translate(${x(xs[i])},${y(ys[i])})`)
    .attr('d', (p) => symbol.type(p.rankSpace === 'sequence' ? d3.symbolSquare : d3.symbolCircle)());
  // Points drawn on the same pixel (candidates that differ only in training settings, and their file): the top
  // mark's tooltip names the others, which the keyboard also reaches one by one.
  const pixel = new Map(points.map((p, i) => [p, `${Math.round(x(xs[i]))},${Math.round(y(ys[i]))}`]));
  const atPixel = d3.group(points, (p) => pixel.get(p));
  const alsoHere = (p: TradeoffPoint): string[] => {
    const others = atPixel.get(pixel.get(p))!.filter((q) => q !== p);
    if (!others.length) return [];
    const shown = others.slice(0, MAX_NAMED_OTHERS).map((q) => `• ${sourceNames[q.source].one} ${q.label}`);
    return [
      `also here (${others.length}):`,
      ...shown,
      ...(others.length > shown.length ? [`• and ${others.length - shown.length} more`] : []),
    ];
  };
  marks
    .on('pointermove', (event: PointerEvent, p) => {
      tooltip.show(
        [
          p.label,
          sourceNames[p.source].one,
          `rank ${exactCount(p.rank)} / ${exactCount(p.rankMax)} (${p.rankSpace === 'sequence' ? 'T×T' : 'D×D'})`,
          `${shortCount(p.params)} parameters`,
          `${shortCount(p.macsPerToken)} MACs/token · ${shortCount(p.macsPerSequence)} MACs/sequence`,
          ...(p.finalLoss !== undefined ? [`final loss ${d3.format('.4~g')(p.finalLoss)}`] : []),
          ...alsoHere(p),
          ...(p.uri ? [p.source === 'candidate' ? 'click to open the file of its search' : 'click to open'] : []),
        ],
        event.clientX,
        event.clientY,
      );
    })
    .on('pointerleave', () => tooltip.hide())
    .on('click', (_, p) => open(p))
    .on('keydown', (event: KeyboardEvent, p) => (event.key === 'Enter' || event.key === ' ') && open(p));

  // Legend: the three sources (style), then the two rank spaces (shape), on a backing that keeps it legible over
  // points. Bottom right for rank, where the front (top left) is not; top right for costs, whose front is low.
  const rows: { symbol: d3.SymbolType; className: string; text: string }[] = [
    ...SOURCES.map((source) => ({ symbol: d3.symbolCircle, className: `legend-source ${source}`, text: sourceNames[source].one })),
    { symbol: d3.symbolCircle, className: 'legend-symbol', text: 'rank over features (D×D)' },
    { symbol: d3.symbolSquare, className: 'legend-symbol', text: 'rank over the sequence (T×T)' },
  ];
  const legend = g.append('g').attr('class', 'legend');
  const backing = legend.append('rect').attr('class', 'legend-backing');
  const texts = rows.map((row, k) => {
    legend
      .append('path')
      .attr('class', row.className)
      .attr('d', symbol.type(row.symbol)())
      .attr('transform', `translate(6,${k * LEGEND_ROW + 6})`);
    return legend
      .append('text')
      .attr('x', 16)
      .attr('y', k * LEGEND_ROW + 10)
      .text(row.text)
      .node()!;
  });
  // Sized to the text as the theme's font sets it; the rough width where nothing is laid out (a hidden panel).
  const textWidth = Math.max(...texts.map((t) => t.getComputedTextLength())) || 6.2 * Math.max(...rows.map((r) => r.text.length));
  const boxWidth = 16 + textWidth + 8;
  const boxHeight = rows.length * LEGEND_ROW + 6;
  backing.attr('x', -4).attr('y', -4).attr('width', boxWidth).attr('height', boxHeight);
  const legendAt = { x: w - boxWidth + 4, y: s.y === 'rank' ? h - boxHeight : 4 };
  legend.attr('transform', `translate(${legendAt.x},${legendAt.y})`);
  const legendBox = options.legend
    ? [{ x0: legendAt.x - 4, x1: legendAt.x + boxWidth - 4, y0: legendAt.y - 4, y1: legendAt.y + boxHeight - 4 }]
    : [];
  // Names beside the points (labels.ts): points at the same place share one label; a label goes beside its point
  // or a line above or below, where it covers no other label, mark or the legend, else it is left to the tooltip.
  // Candidates are left to the tooltip: a search plans up to thousands, and their labels would bury the chart.
  const labelLayer = g.append('g');
  const labelled = points
    .map((p, i) => ({ p, px: Math.round(x(xs[i])), py: Math.round(y(ys[i])) }))
    .filter((d) => d.p.source !== 'candidate');
  const groups = d3.groups(labelled, (d) => `${d.px},${d.py}`);
  const frontIds = new Set(front.map((i) => points[i].id));
  // A file's name without folder and suffix, unless another point has the same name (examples/x and paper/x).
  const base = (label: string) =>
    label
      .split('/')
      .pop()!
      .replace(/\.mlbtc\.json$/, '');
  const named = d3.rollup(
    labelled,
    (v) => v.length,
    (d) => base(d.p.label),
  );
  const short = (label: string) => (named.get(base(label))! > 1 ? label.replace(/\.mlbtc\.json$/, '') : base(label));
  // Each place's names in full, else the first and how many more.
  const variants = groups.map(([, at]) => {
    const names = at.map((d) => short(d.p.label));
    return [names.join(', '), ...(at.length > 1 ? [`${names[0]} +${at.length - 1}`] : [])];
  });
  const labelTexts = variants.map((v) => labelLayer.append('text').attr('class', 'point-label').text(v[0]!));
  // Measured in the theme's font; the rough width where nothing is laid out (a hidden panel).
  const measure = (k: number, text: string) => {
    labelTexts[k]!.text(text);
    return labelTexts[k]!.node()!.getComputedTextLength() || text.length * 6.2;
  };
  const markBoxes = points.map((_, i) => ({ x0: x(xs[i]) - 5, x1: x(xs[i]) + 5, y0: y(ys[i]) - 5, y1: y(ys[i]) + 5 }));
  const placed = placeLabels(
    groups.map(([, at], k) => ({
      x: at[0].px,
      y: at[0].py,
      widths: variants[k]!.map((text) => measure(k, text)),
      // The front's staircase leaves a front point to the right at its height: label those above the line.
      offsets: at.some((d) => frontIds.has(d.p.id)) ? [-13, 13, -26, 26] : [0, -13, 13, -26, 26],
    })),
    [...markBoxes, ...segmentBoxes(staircase(front.map((i) => [x(xs[i]), y(ys[i])] as const))), ...legendBox],
    // Not left of the plot: the y axis's tick labels are there.
    { x0: 0, x1: w + margin.right, y0: -margin.top, y1: h },
  );
  const at = new Map(placed.map((p) => [p.index, p]));
  labelTexts.forEach((t, k) => {
    const p = at.get(k);
    if (p) t.attr('x', p.x).attr('y', p.y).text(variants[k]![p.variant]!);
    else t.remove();
  });
  if (options.legend) legend.raise();
  else legend.remove(); // drawn only to measure: the first facet's legend serves all

  return front.map((i) => all.indexOf(points[i]));
}
