/**
 * Parallel coordinates of a search: one vertical axis per varied parameter, then the objective; one line per trial
 * through its values. A parameter whose values are all numbers gets a numeric axis (log when they are positive and
 * span a decade or more, as learning rates do; whole numbers with few values, one tick each), any other a category
 * axis. Trials without an objective yet are
 * dashed and stop at the last parameter; the best trial is drawn last, thick, in the accent colour. Hover names a
 * trial, click (or Enter on a focused line) opens it.
 */
import * as d3 from 'd3';
import type { SearchTrialRow, SearchViewModel } from '../../src/protocol/webview';
import type { Tooltip } from '../shared/tooltip';
import { formatObjective } from './leaderboard';

export type AxisKind = 'linear' | 'log' | 'ordinal' | 'category';

/** Whole numbers with at most this many distinct values (heads, layers, a rank choice) get one tick per value. */
const ORDINAL_MAX = 8;

/** How an axis of these values is scaled. */
export function axisKind(values: readonly (number | string)[]): AxisKind {
  if (!values.length || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) return 'category';
  const nums = values as number[];
  if (nums.every(Number.isInteger) && new Set(nums).size <= ORDINAL_MAX) return 'ordinal';
  const lo = Math.min(...nums);
  const hi = Math.max(...nums);
  return lo > 0 && hi / lo >= 10 ? 'log' : 'linear';
}

type Position = (v: number | string) => number | undefined;

function axisScale(
  values: readonly (number | string)[],
  height: number,
): { scale: Position; axis: d3.Axis<d3.NumberValue> | d3.Axis<string> } {
  const kind = axisKind(values);
  if (kind === 'category' || kind === 'ordinal') {
    const distinct = [...new Set(values)];
    const domain = (kind === 'ordinal' ? (distinct as number[]).sort((a, b) => a - b) : distinct).map(String);
    const s = d3.scalePoint(domain, [height, 0]).padding(0.5);
    return { scale: (v) => s(String(v)), axis: d3.axisLeft(s) };
  }
  const nums = values as number[];
  const [lo, hi] = d3.extent(nums) as [number, number];
  const s =
    kind === 'log' ? d3.scaleLog([lo, hi], [height, 0]) : d3.scaleLinear(lo === hi ? [lo - 1, hi + 1] : [lo, hi], [height, 0]).nice();
  return { scale: (v) => (typeof v === 'number' ? s(v) : undefined), axis: d3.axisLeft(s).ticks(5, kind === 'log' ? '~e' : '~g') };
}

const margin = { top: 28, right: 48, bottom: 16, left: 48 };

export function drawParallel(
  svgEl: SVGSVGElement,
  model: SearchViewModel,
  width: number,
  height: number,
  tooltip: Tooltip,
  open: (t: SearchTrialRow) => void,
): void {
  const svg = d3.select(svgEl);
  svg.selectChildren().remove();
  svg.attr('width', width).attr('height', height).attr('role', 'img');
  const w = Math.max(120, width - margin.left - margin.right);
  const h = Math.max(80, height - margin.top - margin.bottom);
  const axes = [
    ...model.dimensions.map((d) => ({
      label: d.label,
      title: d.key,
      values: model.trials.map((t) => t.values[d.key]!),
      of: (t: SearchTrialRow) => t.values[d.key],
    })),
    {
      label: model.objective,
      title: `${model.objective} (objective, minimised)`,
      values: model.trials.flatMap((t) => (t.objective !== null && Number.isFinite(t.objective) ? [t.objective] : [])),
      of: (t: SearchTrialRow) => t.objective ?? undefined,
    },
  ];
  svg.attr('aria-label', `Parallel coordinates of ${model.trials.length} trials: ${axes.map((a) => a.label).join(', ')}`);
  const x = d3.scalePoint(
    axes.map((_, i) => i),
    [0, w],
  );
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  const scales = axes.map((a) => (a.values.length ? axisScale(a.values, h) : undefined));

  const linePoints = (t: SearchTrialRow): [number, number][] => {
    const pts: [number, number][] = [];
    axes.forEach((a, i) => {
      const v = a.of(t);
      const y = v === undefined ? undefined : scales[i]?.scale(v);
      if (y !== undefined && Number.isFinite(y)) pts.push([x(i)!, y]);
    });
    return pts;
  };
  // The best last, so it is on top.
  const ordered = [...model.trials].sort((a, b) => Number(a.trial === model.best) - Number(b.trial === model.best));
  const line = d3.line();
  g.append('g')
    .attr('class', 'lines')
    .selectAll('path')
    .data(ordered)
    .join('path')
    .attr('class', (t) => `trial-line${t.trial === model.best ? ' best' : ''}${t.objective === null ? ' pending' : ''}`)
    .attr('data-trial', (t) => t.trial)
    .attr('d', (t) => line(linePoints(t)))
    .attr('tabindex', (t) => (t.runId ? 0 : -1))
    .attr('role', 'button')
    .attr(
      'aria-label',
      (t) => `trial ${t.trial}${t.trial === model.best ? ' (best)' : ''}: ${t.params}, ${model.objective} ${formatObjective(t.objective)}`,
    )
    .on('pointermove', (event: PointerEvent, t) =>
      tooltip.show(
        [
          `Trial ${t.trial}${t.trial === model.best ? ' — best' : ''}`,
          t.params,
          `${model.objective} ${formatObjective(t.objective)}`,
          t.state,
          ...(t.runId ? ['click to open its run'] : []),
        ],
        event.clientX,
        event.clientY,
      ),
    )
    .on('pointerleave', () => tooltip.hide())
    .on('click', (_, t) => t.runId && open(t))
    .on('keydown', (event: KeyboardEvent, t) => (event.key === 'Enter' || event.key === ' ') && t.runId && open(t));

  axes.forEach((a, i) => {
    const axisG = g
      .append('g')
      .attr('class', 'axis')
      .attr('transform', `translate(${x(i)},0)`);
    const s = scales[i];
    if (s) axisG.call(s.axis as d3.Axis<d3.NumberValue>);
    else axisG.append('line').attr('y1', 0).attr('y2', h);
    axisG
      .append('text')
      .attr('class', 'axis-title')
      .attr('y', -12)
      .attr('text-anchor', 'middle')
      .text(a.label)
      .append('title')
      .text(s ? a.title : `${a.title}: no value yet`);
  });
}
