/**
 * The analysis as an aligned plain-text report for a terminal: exact counts with thousands separators beside a
 * short form (4.80 M, 48.0 KiB). Formats what core analyze() computed; no arithmetic beyond sums of its parts.
 */
import type { Analysis } from '../core/analysis';
import type { ResolvedSpec } from '../core/spec/resolve';
import { exactCount, shortBytes, shortCount } from '../core/format';

type Row = [label: string, exact: string, short: string] | [heading: string];

// The short form only where it is shorter (4.80 M beside 4,804,480; nothing beside 512).
const count = (label: string, n: number): Row => [label, exactCount(n), n >= 1000 ? shortCount(n) : ''];
const bytes = (label: string, n: number): Row => [label, `${exactCount(n)} B`, shortBytes(n)];

export function analysisTable(file: string, spec: ResolvedSpec, a: Analysis): string {
  const m = spec.model;
  const kinds = spec.groups.map((g) => (spec.groups.length > 1 ? `${g.heads} × ${g.attention.kind}` : g.attention.kind)).join(' + ');
  const outsideTotal = Object.values(a.params.outside).reduce((s, v) => s + v, 0);
  const rows: Row[] = [
    ['Parameters'],
    count('  total', a.params.total),
    count(`  per layer (× ${m.layers})`, a.params.perLayer),
    ...Object.entries(a.params.perLayerComponents).map(([k, v]) => count(`    ${k}`, v)),
    count('  outside the layers', outsideTotal),
    ...Object.entries(a.params.outside).map(([k, v]) => count(`    ${k}`, v)),
    ['Compute (forward multiply-accumulates)'],
    count('  MACs per token, all layers and head', a.macs.perToken),
    count('  MACs per token, one layer (no scores)', a.macs.perTokenPerLayer),
    count('  score MACs per head, one sequence', a.macs.scoresPerHead),
    count('  A·V MACs per head, one sequence', a.macs.avPerHead),
    count(`  MACs per sequence (T = ${m.seqLen})`, a.macs.perSequence),
    ['Scoring rank'],
    [`  rank / max (${a.rank.space})`, `${exactCount(a.rank.scoring)} / ${exactCount(a.rank.max)}`, ''],
    ['Memory (float32)'],
    bytes('  KV cache per token, all layers', a.kvCacheBytesPerToken),
    bytes('  activations per training sequence', a.activationBytesPerSequence),
  ];
  const lines = [
    `${spec.name}  (${file})`,
    `width ${m.width}, ${m.heads} heads of ${m.headDim}, ${m.layers} layers, T = ${m.seqLen}, ${spec.task.kind}; attention: ${kinds}`,
    '',
    ...align(rows),
  ];
  if (spec.groups.length > 1) lines.push('', ...groupTable(a));
  return `${lines.join('\n')}\n`;
}

function align(rows: Row[]): string[] {
  const values = rows.filter((r): r is [string, string, string] => r.length === 3);
  const w0 = Math.max(...values.map((r) => r[0].length));
  const w1 = Math.max(...values.map((r) => r[1].length));
  return rows.map((r) => (r.length === 1 ? r[0] : `${r[0].padEnd(w0)}  ${r[1].padStart(w1)}  ${r[2]}`.trimEnd()));
}

function groupTable(a: Analysis): string[] {
  const header = ['group', 'heads', 'family', 'rank / max', 'scoring params', 'score MACs/head', 'KV cache/token'];
  const body = a.groups.map((g) => [
    String(g.group),
    String(g.heads),
    g.kind,
    `${exactCount(g.rank.scoring)} / ${exactCount(g.rank.max)} (${g.rank.space})`,
    exactCount(g.scoringParams),
    shortCount(g.macs.scoresPerHead),
    shortBytes(g.kvCacheBytesPerToken),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 || i === 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return ['Head groups', ...[header, ...body].map((r) => `  ${line(r)}`)];
}
