/** Trade-off points from analysed structures, and the reason a file is left out. Pure. */
import type { Analysis } from '../../../core/analysis/types';
import type { LocatedProblem } from '../../../core/validate/types';
import type { TradeoffPoint, TradeoffSource } from '../../../protocol/webview';
import type { CandidateAnalysis } from '../../../runs/search/candidate';

/**
 * The numbers behind a point: core's Analysis (files and runs) or a search candidate's CandidateAnalysis, which
 * the plan already computed from the same analyze() and keeps flat. Either way the point reads the same fields.
 */
export type PointAnalysis = Analysis | CandidateAnalysis;

/** `taskKind`: the structure's task.kind, which the trade-offs panel groups by. */
export function tradeoffPoint(
  id: string,
  label: string,
  source: TradeoffSource,
  uri: string | undefined,
  a: PointAnalysis,
  taskKind: string,
  finalLoss?: number,
): TradeoffPoint {
  const macs = 'macs' in a ? a.macs : { perToken: a.macsPerToken, perSequence: a.macsPerSequence };
  const params = typeof a.params === 'number' ? a.params : a.params.total;
  return {
    id,
    label,
    source,
    ...(uri ? { uri } : {}),
    macsPerToken: macs.perToken,
    macsPerSequence: macs.perSequence,
    rank: a.rank.scoring,
    rankMax: a.rank.max,
    rankSpace: a.rank.space,
    taskKind,
    params,
    ...(finalLoss !== undefined ? { finalLoss } : {}),
  };
}

/** "line 12: model.heads·headDim must equal width (…)" — the first error, 1-based line. */
export function skipReason(problems: readonly LocatedProblem[]): string {
  const first = problems.find((p) => p.severity === 'error') ?? problems[0];
  return first ? `line ${first.line + 1}: ${first.message}` : 'not a valid structure';
}

/** The files the plotted points came from: the panel opens only these when its webview asks (a webview is not trusted). */
export function plottedFiles(points: readonly TradeoffPoint[]): ReadonlySet<string> {
  return new Set(points.flatMap((p) => (p.uri ? [p.uri] : [])));
}
