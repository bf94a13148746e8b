/** Tick labels in our number style that still respect d3's thinning of log-axis labels (1, 2, 5, 10, … not every tick). */
import type * as d3 from 'd3';

export function tickLabels(
  scale: d3.ScaleContinuousNumeric<number, number>,
  count: number,
  format: (v: number) => string,
  log: boolean,
): (v: d3.NumberValue) => string {
  if (!log) return (v) => format(Number(v));
  // d3's log tickFormat returns "" for the ticks it would leave unlabelled at this density.
  const labelled = scale.tickFormat(count, '~s');
  return (v) => (labelled(v) ? format(Number(v)) : '');
}
