/** Trade-off points from analysed structures, and the reason a file is left out. Pure. */
import type { Analysis } from '../../../core/analysis/types';
import type { LocatedProblem } from '../../../core/validate/types';
import type { TradeoffPoint, TradeoffSource } from '../../../protocol/webview';

export function tradeoffPoint(id: string, label: string, source: TradeoffSource, uri: string | undefined, a: Analysis, finalLoss?: number): TradeoffPoint {
  return {
    id,
    label,
    source,
    ...(uri ? { uri } : {}),
    macsPerToken: a.macs.perToken,
    macsPerSequence: a.macs.perSequence,
    rank: a.rank.scoring,
    rankMax: a.rank.max,
    rankSpace: a.rank.space,
    params: a.params.total,
    ...(finalLoss !== undefined ? { finalLoss } : {}),
  };
}

/** "line 12: model.heads·headDim must equal width (…)" — the first error, 1-based line. */
export function skipReason(problems: readonly LocatedProblem[]): string {
  const first = problems.find((p) => p.severity === 'error') ?? problems[0];
  return first ? `line ${first.line + 1}: ${first.message}` : 'not a valid structure';
}
