/**
 * Honest comparisons: a point's compute and rank only compete with points of the same task and the same rank space
 * (D×D feature rank against T×T sequence rank are different quantities), so the panel draws one chart per group,
 * each with its own Pareto front. Pure (no DOM), unit-tested.
 */
import type { TradeoffPoint, TradeoffX, TradeoffY } from '../../src/protocol/webview';

export interface Facet {
  key: string;
  title: string;
  points: TradeoffPoint[];
}

export const rankSpaceNames: Record<TradeoffPoint['rankSpace'], string> = {
  features: 'feature rank (D×D)',
  sequence: 'sequence rank (T×T)',
};

/** Groups by task kind, then rank space (features first); the points keep their order within a group. */
export function facetsOf(points: readonly TradeoffPoint[]): Facet[] {
  const groups = new Map<string, Facet>();
  for (const p of points) {
    const key = `${p.taskKind}\0${p.rankSpace}`;
    let facet = groups.get(key);
    if (!facet) groups.set(key, (facet = { key, title: `${p.taskKind} · ${rankSpaceNames[p.rankSpace]}`, points: [] }));
    facet.points.push(p);
  }
  const spaceOrder = (f: Facet) => (f.points[0]!.rankSpace === 'features' ? 0 : 1);
  return [...groups.values()].sort((a, b) => a.points[0]!.taskKind.localeCompare(b.points[0]!.taskKind) || spaceOrder(a) - spaceOrder(b));
}

const yShort: Record<TradeoffY, string> = { rank: 'Rank', params: 'Parameters', finalLoss: 'Loss' };
const xShort: Record<TradeoffX, string> = { macsPerToken: 'compute per token', macsPerSequence: 'compute per sequence' };

/** The panel's title from its axes: "Loss vs compute per token". */
export function chartTitle(x: TradeoffX, y: TradeoffY): string {
  return `${yShort[y]} vs ${xShort[x]}`;
}

/** Columns of the facet grid: as many as fit at `minWidth` each, at most 3, never more than there are facets. */
export function facetColumns(facets: number, width: number, minWidth = 380): number {
  return Math.max(1, Math.min(facets, 3, Math.floor(width / minWidth)));
}
