/**
 * The three kinds of trade-off point (structure files, search candidates, finished runs): their names, the order
 * they are drawn in, and the counts the panel shows and reports. Pure (no DOM), so it is unit-tested.
 */
import type { SkippedFile, TradeoffPoint, TradeoffSource } from '../../src/protocol/webview';

export const SOURCES: readonly TradeoffSource[] = ['file', 'candidate', 'run'];

export const sourceNames: Record<TradeoffSource, { one: string; many: string }> = {
  file: { one: 'structure file', many: 'structure files' },
  candidate: { one: 'search candidate', many: 'search candidates' },
  run: { one: 'finished run', many: 'finished runs' },
};

/**
 * Drawing order, bottom to top: candidates under files under runs. A search whose dimensions do not change the
 * structure (training.lr, say) puts several candidates exactly on their file's point; the file stays on top, and
 * the tooltip of the top mark names the others.
 */
const drawLayer: Record<TradeoffSource, number> = { candidate: 0, file: 1, run: 2 };

/** A copy in drawing order; within a layer, the given order (the host sorts by label). */
export function inDrawOrder(points: readonly TradeoffPoint[]): TradeoffPoint[] {
  return [...points].sort((a, b) => drawLayer[a.source] - drawLayer[b.source]);
}

export function countBySource(points: readonly TradeoffPoint[]): Record<TradeoffSource, number> {
  const counts: Record<TradeoffSource, number> = { file: 0, candidate: 0, run: 0 };
  for (const p of points) counts[p.source]++;
  return counts;
}

const plural = (n: number, name: { one: string; many: string }) => `${n.toLocaleString('en-US')} ${n === 1 ? name.one : name.many}`;

/** "8 structure files, 18 search candidates, 1 finished run": every source, also those with none (a legend in words). */
export function sourceSummary(points: readonly TradeoffPoint[]): string {
  const counts = countBySource(points);
  return SOURCES.map((s) => plural(counts[s], sourceNames[s])).join(', ');
}

/**
 * What the panel reports it painted (the host logs it; tests parse it):
 * "27 points (8 files, 18 candidates, 1 runs), 5 on the front, 1 skipped". Plain plurals keep it easy to parse.
 */
export function paintContent(points: readonly TradeoffPoint[], onFront: number, skipped: number): string {
  const c = countBySource(points);
  return `${points.length} points (${c.file} files, ${c.candidate} candidates, ${c.run} runs), ${onFront} on the front, ${skipped} skipped`;
}

/**
 * The heading of the left-out list. An entry whose file is plotted is a search that added no candidate (it cannot
 * be planned, or plans none); any other is a file left out (invalid or unreadable).
 */
export function skippedHeading(points: readonly TradeoffPoint[], skipped: readonly SkippedFile[]): string {
  const plotted = new Set(points.filter((p) => p.source === 'file').map((p) => p.uri));
  const searches = skipped.filter((s) => plotted.has(s.uri)).length;
  const files = skipped.length - searches;
  return [
    ...(files ? [`${plural(files, { one: 'file', many: 'files' })} left out (invalid)`] : []),
    ...(searches ? [`${plural(searches, { one: 'search', many: 'searches' })} without candidates`] : []),
  ].join(' · ');
}
