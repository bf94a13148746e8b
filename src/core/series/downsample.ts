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

const transform = (scale: AxisScale) => (scale === 'log' ? Math.log : (v: number) => v);

/**
 * Keep per bucket the first, min, max and last point, in their original order. Points outside the domain are
 * dropped except the nearest one on each side, so a line still runs to the plot's edge when zoomed in.
 */
export function downsampleMinMax(x: ArrayLike<number>, y: ArrayLike<number>, options: DownsampleOptions): Downsampled {
  const n = Math.min(x.length, y.length);
  const scale = options.scale ?? 'linear';
  const usable = (i: number) => Number.isFinite(y[i]) && Number.isFinite(x[i]) && (scale === 'linear' || x[i] > 0);

  let first = -1;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (!usable(i)) continue;
    if (first < 0) first = i;
    last = i;
  }
  if (first < 0) return { x: new Float64Array(0), y: new Float64Array(0) };

  const [lo, hi] = options.domain ?? [x[first], x[last]];
  const t = transform(scale);
  const t0 = t(scale === 'log' ? Math.max(lo, Number.MIN_VALUE) : lo);
  const span = t(hi) - t0;
  const buckets = Math.max(1, Math.floor(options.buckets));

  // Indices kept, in order. At most four per bucket plus the two edge neighbours.
  const kept: number[] = [];
  let beforeDomain = -1;
  let afterDomain = -1;
  let bucket = -1;
  let bFirst = -1;
  let bMin = -1;
  let bMax = -1;
  let bLast = -1;
  const flush = () => {
    if (bFirst < 0) return;
    // Emit the four (possibly coinciding) indices in index order, each once.
    const four = [bFirst, bMin, bMax, bLast].sort((a, b) => a - b);
    for (let k = 0; k < 4; k++) if (k === 0 || four[k] !== four[k - 1]) kept.push(four[k]);
  };

  for (let i = first; i <= last; i++) {
    if (!usable(i)) continue;
    const xi = x[i];
    if (xi < lo) {
      beforeDomain = i;
      continue;
    }
    if (xi > hi) {
      if (afterDomain < 0) afterDomain = i;
      continue;
    }
    const b = span > 0 ? Math.min(buckets - 1, Math.floor(((t(xi) - t0) / span) * buckets)) : 0;
    if (b !== bucket) {
      flush();
      bucket = b;
      bFirst = bMin = bMax = bLast = i;
    } else {
      bLast = i;
      if (y[i] < y[bMin]) bMin = i;
      if (y[i] > y[bMax]) bMax = i;
    }
  }
  flush();
  if (beforeDomain >= 0) kept.unshift(beforeDomain);
  if (afterDomain >= 0) kept.push(afterDomain);

  const out = { x: new Float64Array(kept.length), y: new Float64Array(kept.length) };
  for (let k = 0; k < kept.length; k++) {
    out.x[k] = x[kept[k]];
    out.y[k] = y[kept[k]];
  }
  return out;
}
