/** The sequential colour scale shared by blocks and legend: log when values span a decade or more. */
import * as d3 from 'd3';
import type { ThemeColours } from '../shared/theme';

export interface ColourScale {
  (v: number): string;
  domain: [number, number];
  log: boolean;
}

export function colourScale(values: number[], theme: ThemeColours): ColourScale {
  const lo = Math.max(Math.min(...values), 1e-12);
  const hi = Math.max(...values);
  const log = hi / lo >= 10;
  const interpolate = d3.interpolateRgb(theme.scaleLow, theme.scaleHigh);
  const position = hi === lo ? () => 1 : log ? d3.scaleLog([lo, hi], [0, 1]).clamp(true) : d3.scaleLinear([lo, hi], [0.15, 1]).clamp(true);
  const scale = ((v: number) => interpolate(position(v))) as ColourScale;
  scale.domain = [lo, hi];
  scale.log = log;
  return scale;
}
