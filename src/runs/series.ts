/**
 * Metric series for charts, downsampled while streaming: a run's metrics.jsonl is read once, in chunks, and each
 * series keeps only what the chart needs (first, min, max, last per pixel bucket: the M4 rule of
 * src/core/series/downsample.ts), so memory depends on the chart's width, not on the file's length.
 *
 * Exactness: downsampling a chunk keeps, per bucket, that chunk's first, min, max and last point; downsampling the
 * concatenation of those survivors again keeps the overall first, min, max and last (the first of the first chunk,
 * the min of the mins, ...), so the result equals downsampleMinMax over the whole series.
 */
import { downsampleMinMax, type AxisScale, type Downsampled } from '../core/series/downsample';
import type { MetricPosition, MetricRecord } from '../protocol/run';
import { forEachMetric, lastMetric, type ReadReport } from './metrics';

/** What a chart can put on its x axis: every record carries all four. */
export type XAxis = keyof MetricPosition;

export interface SeriesRequest {
  x: XAxis;
  /** Metric keys: "loss" and "lr" (train records), or eval keys such as "val.loss". */
  keys: readonly string[];
  /** Buckets across the x range: the chart's width in pixels. */
  buckets: number;
  /** Visible x range; default: the file's first and last x. */
  domain?: readonly [number, number];
  scale?: AxisScale;
}

export interface SeriesResult {
  series: Record<string, Downsampled>;
  /** The x range the buckets span (null when the file has no records). */
  domain: readonly [number, number] | null;
  report: ReadReport;
}

/** Points buffered per key before they are reduced; bounds memory at a few MB per key. */
const CHUNK_POINTS = 1 << 16;

/** Accumulates one series, reducing chunk by chunk. */
class SeriesReducer {
  private x = new Float64Array(CHUNK_POINTS);
  private y = new Float64Array(CHUNK_POINTS);
  private n = 0;
  private keptX: number[] = [];
  private keptY: number[] = [];

  constructor(private readonly options: { buckets: number; domain: readonly [number, number]; scale?: AxisScale }) {}

  push(x: number, y: number): void {
    this.x[this.n] = x;
    this.y[this.n] = y;
    if (++this.n === CHUNK_POINTS) this.flush();
  }

  result(): Downsampled {
    this.flush();
    return downsampleMinMax(this.keptX, this.keptY, this.options);
  }

  private flush(): void {
    if (this.n === 0) return;
    const reduced = downsampleMinMax(this.x.subarray(0, this.n), this.y.subarray(0, this.n), this.options);
    for (let i = 0; i < reduced.x.length; i++) {
      this.keptX.push(reduced.x[i]!);
      this.keptY.push(reduced.y[i]!);
    }
    this.n = 0;
    // Survivors of many chunks may pile up in one bucket: reduce them again once they outgrow one chunk.
    if (this.keptX.length > CHUNK_POINTS) {
      const again = downsampleMinMax(this.keptX, this.keptY, this.options);
      this.keptX = Array.from(again.x);
      this.keptY = Array.from(again.y);
    }
  }
}

function valueOf(record: MetricRecord, key: string): number | undefined {
  const v = (record as unknown as Record<string, unknown>)[key];
  return typeof v === 'number' ? v : undefined;
}

/**
 * Downsampled series of `keys` against `x` from a metrics file. Records without a key (an eval metric at a train
 * record) simply do not contribute to that key's series.
 */
export function readSeries(file: string, request: SeriesRequest): SeriesResult {
  const domain = request.domain ?? xRange(file, request.x);
  if (!domain) return { series: Object.fromEntries(request.keys.map((k) => [k, { x: new Float64Array(0), y: new Float64Array(0) }])), domain: null, report: { records: 0, skipped: [], skippedCount: 0 } };
  const reducers = new Map(request.keys.map((k) => [k, new SeriesReducer({ buckets: request.buckets, domain, scale: request.scale })]));
  const report = forEachMetric(file, (record) => {
    const x = record[request.x];
    for (const [key, reducer] of reducers) {
      const y = valueOf(record, key);
      if (y !== undefined) reducer.push(x, y);
    }
  });
  return { series: Object.fromEntries([...reducers].map(([k, r]) => [k, r.result()])), domain, report };
}

/** First and last x of the file: x never decreases along a run (resumes truncate what they redo). */
function xRange(file: string, x: XAxis): [number, number] | null {
  const last = lastMetric(file);
  if (!last) return null;
  let first = last[x];
  forEachMetric(file, (record) => {
    first = record[x];
    return false; // the first valid record is all we need
  });
  return [first, last[x]];
}
