/**
 * Downsampling of a metric series for drawing: one bucket per horizontal pixel, keeping in each bucket the first,
 * the minimum, the maximum and the last point (the "M4" rule). Drawing those four points per pixel column gives
 * the same picture as drawing every point: the vertical extent of each column (min/max) and the lines entering and
 * leaving it (first/last) are kept, so spikes and divergences never disappear, whatever the zoom.
 *
 * x must be non-decreasing (step, tokens, FLOPs and wall time all are). Points whose y is not finite (an eval
 * metric missing at a training record) are skipped; on a log x axis so are points with x ≤ 0.
 */

export type AxisScale = 'linear' | 'log';

export interface DownsampleOptions {
  /** Buckets across the domain: the plot's width in pixels. */
  buckets: number;
  /** Visible x range. Default: the series' own first and last usable x. */
  domain?: readonly [number, number];
  /** Buckets are equally wide on this scale, as pixels are. Default linear. */
  scale?: AxisScale;
}

export interface Downsampled {
  x: Float64Array;
  y: Float64Array;
}

/**
 * Keep per bucket the first, min, max and last point, in their original order. Points outside the domain are
 * dropped except the nearest one on each side, so a line still runs to the plot's edge when zoomed in.
 * One pass, no allocation per point: it runs over every point of every shown run whenever the view changes.
 */
export function downsampleMinMax(x: ArrayLike<number>, y: ArrayLike<number>, options: DownsampleOptions): Downsampled {
  const n = Math.min(x.length, y.length);
  const log = options.scale === 'log';
  const buckets = Math.max(1, Math.floor(options.buckets));

  let lo: number;
  let hi: number;
  if (options.domain) [lo, hi] = options.domain;
  else {
    lo = Number.POSITIVE_INFINITY;
    hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      if (!Number.isFinite(y[i]) || !Number.isFinite(xi) || (log && xi <= 0)) continue;
      if (xi < lo) lo = xi;
      if (xi > hi) hi = xi;
    }
    if (lo > hi) return { x: new Float64Array(0), y: new Float64Array(0) };
  }
  const t0 = log ? Math.log(Math.max(lo, Number.MIN_VALUE)) : lo;
  const span = (log ? Math.log(hi) : hi) - t0;
  const perUnit = span > 0 ? buckets / span : 0;

  // Indices kept, in order: at most four per bucket plus the two edge neighbours.
  const kept: number[] = [];
  let beforeDomain = -1;
  let afterDomain = -1;
  let bucket = -1;
  let bFirst = -1;
  let bMin = -1;
  let bMax = -1;
  let bLast = -1;
  const flush = () => {
    // The four (possibly coinciding) indices in index order, each once.
    const a = bFirst;
    const d = bLast;
    const b = bMin < bMax ? bMin : bMax;
    const c = bMin < bMax ? bMax : bMin;
    kept.push(a);
    if (b !== a) kept.push(b);
    if (c !== b) kept.push(c);
    if (d !== c) kept.push(d);
  };

  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const yi = y[i];
    if (!(yi === yi && yi !== Infinity && yi !== -Infinity) || !Number.isFinite(xi)) continue;
    if (xi < lo) {
      if (!log || xi > 0) beforeDomain = i;
      continue;
    }
    if (xi > hi) {
      afterDomain = i;
      break; // x is non-decreasing: nothing after this is in the domain
    }
    const tx = log ? Math.log(xi) : xi;
    let bk = ((tx - t0) * perUnit) | 0;
    if (bk >= buckets) bk = buckets - 1;
    if (bk !== bucket) {
      if (bucket >= 0) flush();
      bucket = bk;
      bFirst = bMin = bMax = bLast = i;
    } else {
      bLast = i;
      if (yi < y[bMin]) bMin = i;
      if (yi > y[bMax]) bMax = i;
    }
  }
  if (bucket >= 0) flush();
  if (beforeDomain >= 0) kept.unshift(beforeDomain);
  if (afterDomain >= 0) kept.push(afterDomain);

  const out = { x: new Float64Array(kept.length), y: new Float64Array(kept.length) };
  for (let k = 0; k < kept.length; k++) {
    out.x[k] = x[kept[k]];
    out.y[k] = y[kept[k]];
  }
  return out;
}
