/**
 * The study data model: the runs of one or more searches (or any folder of runs) reduced to what the paper's three
 * views need, and the views themselves as plain series, so the study panel, `mlbtc study` and its tests draw the
 * same numbers.
 *
 * - compute: the final objective of each run against its compute, one line per family (compute on a log axis).
 * - scaling: the objective against training FLOPs during training, one frontier per family (the least objective
 *   reached by any of the family's runs at that compute or less), with a power law fitted to each frontier.
 * - sweep: the final objective against a numeric parameter, one line per family: the head's scoring rank (claim a:
 *   dense on the plateau until its rank reaches the input dimension) or a search key such as "task.horizon".
 */
import { fitPowerLaw, type PowerLawFit } from './powerLaw';

export interface StudyRun {
  id: string;
  /** The trial's label (its search assignment) or the run's name. */
  label: string;
  family: string;
  state: string;
  /** The search assignment (empty for a run outside a search). */
  assignment: Record<string, unknown>;
  /** Analysed compute: forward MACs per token, attention scores included, and training FLOPs of the whole run. */
  macsPerToken: number;
  plannedFlops: number;
  /** Scoring rank of the head (the lowest group) and parameters. */
  rank: number;
  params: number;
  /** Evaluation records: [cumulative training FLOPs, objective]. */
  curve: [number, number][];
  /** The last evaluation's objective and FLOPs (null before the first evaluation). */
  final: { flops: number; value: number } | null;
}

export interface StudyData {
  title: string;
  /** Metric the views plot, as metrics.jsonl names it (the search objective). */
  objective: string;
  runs: StudyRun[];
}

export type StudyView = 'compute' | 'scaling' | 'sweep';
export type ComputeAxis = 'flops' | 'macs';

export interface Series {
  name: string;
  points: [number, number][];
  /** Labels of the points (run labels), for tooltips and CSV. */
  labels?: string[];
  fit?: PowerLawFit | null;
}

export interface Figure {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog: boolean;
  yLog: boolean;
  series: Series[];
}

/** The attention family of a spec's attention block (head groups: their kinds joined by "+"). */
export function familyOf(attention: unknown): string {
  const kindOf = (a: unknown) =>
    typeof a === 'object' && a !== null && typeof (a as { kind?: unknown }).kind === 'string' ? (a as { kind: string }).kind : '?';
  return Array.isArray(attention) ? [...new Set(attention.map(kindOf))].join('+') : kindOf(attention);
}

/**
 * The family of a model's layers: the one family when every layer has it, else the layers' families in order with
 * repeats of the motif dropped, joined by "|" (the sequential GSWA "dense|sliding-window|sliding-window" of the
 * paper reads "dense|sliding-window").
 */
export function familyOfLayers(layers: readonly { groups: readonly { attention: unknown }[] }[]): string {
  const names = layers.map((l) => familyOf(l.groups.map((g) => g.attention)));
  const distinct = names.filter((n, i) => i === 0 || n !== names[i - 1]);
  return [...new Set(distinct)].join('|');
}

function families(runs: readonly StudyRun[]): Map<string, StudyRun[]> {
  const map = new Map<string, StudyRun[]>();
  for (const r of runs) map.set(r.family, [...(map.get(r.family) ?? []), r]);
  return map;
}

const byX = (a: [number, number], b: [number, number]) => a[0] - b[0];

/** Final objective against compute (the run's consumed FLOPs, or its analysed MACs per token), per family. */
export function computeFigure(data: StudyData, axis: ComputeAxis = 'flops'): Figure {
  const series = [...families(data.runs)].map(([name, runs]): Series => {
    const done = runs
      .filter((r) => r.final)
      .map((r) => ({ x: axis === 'flops' ? r.final!.flops : r.macsPerToken, y: r.final!.value, label: r.label }));
    done.sort((a, b) => a.x - b.x);
    return { name, points: done.map((d) => [d.x, d.y]), labels: done.map((d) => d.label) };
  });
  const xLabel = axis === 'flops' ? 'training FLOPs' : 'forward MACs per token (scores included)';
  return {
    title: `${data.title}: final ${data.objective} against compute`,
    xLabel,
    yLabel: `final ${data.objective}`,
    xLog: true,
    yLog: false,
    series,
  };
}

/**
 * The compute frontier of a family: every evaluation of its runs in compute order, keeping a point only when it
 * improves on every earlier one (the least objective reachable with that much compute or less).
 */
export function frontier(runs: readonly StudyRun[]): [number, number][] {
  const all = runs
    .flatMap((r) => r.curve)
    .filter(([x, y]) => x > 0 && Number.isFinite(y))
    .sort(byX);
  const out: [number, number][] = [];
  for (const p of all) if (out.length === 0 || p[1] < out[out.length - 1]![1]) out.push(p);
  return out;
}

export function scalingFigure(data: StudyData): Figure {
  const series = [...families(data.runs)].map(([name, runs]): Series => {
    const points = frontier(runs);
    return { name, points, fit: fitPowerLaw(points) };
  });
  return {
    title: `${data.title}: ${data.objective} against training FLOPs`,
    xLabel: 'training FLOPs',
    yLabel: data.objective,
    xLog: true,
    yLog: true,
    series,
  };
}

/** Numeric value of a sweep key for a run: "rank" is the analysed scoring rank; other keys read the assignment. */
export function sweepValue(run: StudyRun, key: string): number | null {
  if (key === 'rank') return run.rank;
  const v = run.assignment[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The numeric search keys the sweep view can use (those with at least two values), after "rank". */
export function sweepKeys(data: StudyData): string[] {
  const keys = new Set<string>();
  for (const r of data.runs) for (const [k, v] of Object.entries(r.assignment)) if (typeof v === 'number') keys.add(k);
  return ['rank', ...[...keys].filter((k) => new Set(data.runs.map((r) => sweepValue(r, k))).size > 1)];
}

export function sweepFigure(data: StudyData, key = 'rank'): Figure {
  const series = [...families(data.runs)].map(([name, runs]): Series => {
    const pts = runs.flatMap((r) => {
      const x = sweepValue(r, key);
      return x !== null && r.final ? [{ x, y: r.final.value, label: r.label }] : [];
    });
    pts.sort((a, b) => a.x - b.x);
    return { name, points: pts.map((p) => [p.x, p.y]), labels: pts.map((p) => p.label) };
  });
  const xLabel = key === 'rank' ? 'scoring rank of a head' : key;
  return {
    title: `${data.title}: final ${data.objective} against ${xLabel}`,
    xLabel,
    yLabel: `final ${data.objective}`,
    xLog: key === 'rank',
    yLog: false,
    series,
  };
}

export function studyFigure(data: StudyData, view: StudyView, option?: string): Figure {
  return view === 'compute'
    ? computeFigure(data, option === 'macs' ? 'macs' : 'flops')
    : view === 'scaling'
      ? scalingFigure(data)
      : sweepFigure(data, option ?? 'rank');
}

/** One row per run: what the CSV export and `mlbtc study` print. */
export const STUDY_CSV_HEADER = [
  'run',
  'label',
  'family',
  'state',
  'rank',
  'params',
  'macs_per_token',
  'planned_flops',
  'final_flops',
  'final_objective',
] as const;

export function studyRows(data: StudyData): (string | number)[][] {
  return data.runs.map((r) => [
    r.id,
    r.label,
    r.family,
    r.state,
    r.rank,
    r.params,
    r.macsPerToken,
    r.plannedFlops,
    r.final?.flops ?? '',
    r.final?.value ?? '',
  ]);
}

/** A figure's series as CSV rows: series, x, y (and the fit's a, b, r² on each row of a fitted series). */
export function figureRows(fig: Figure): (string | number)[][] {
  return fig.series.flatMap((s) =>
    s.points.map(([x, y], i) => [s.name, s.labels?.[i] ?? '', x, y, s.fit?.a ?? '', s.fit?.b ?? '', s.fit?.r2 ?? '']),
  );
}
export const FIGURE_CSV_HEADER = ['series', 'label', 'x', 'y', 'fit_a', 'fit_b', 'fit_r2'] as const;
