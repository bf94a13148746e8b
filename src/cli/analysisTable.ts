/**
 * The analysis as an aligned plain-text report for a terminal: exact counts with thousands separators beside a
 * short form (4.80 M, 48.0 KiB). Formats what core analyze() computed; no arithmetic beyond sums of its parts.
 */
import type { Analysis, LayerAnalysis } from '../core/analysis';
import type { ResolvedSpec } from '../core/spec/resolve';
import { exactCount, layerIndices, shortBytes, shortCount, structureLabel } from '../core/format';

type Row = [label: string, exact: string, short: string] | [heading: string];

// The short form only where it is shorter (4.80 M beside 4,804,480; nothing beside 512).
const count = (label: string, n: number): Row => [label, exactCount(n), n >= 1000 ? shortCount(n) : ''];
const bytes = (label: string, n: number): Row => [label, `${exactCount(n)} B`, shortBytes(n)];

export function analysisTable(file: string, spec: ResolvedSpec, a: Analysis): string {
  const m = spec.model;
  const uniform = a.layers.length === 1;
  // One block's rows per distinct structure; a uniform model has one, labelled as before.
  const blockLabel = (l: LayerAnalysis) =>
    uniform ? `per layer (× ${m.layers})` : `layers ${layerIndices(l.layers)} (× ${l.layers.length})`;
  const kinds = uniform
    ? structureLabel(a.layers[0]!.groups)
    : a.layers.map((l) => `${structureLabel(l.groups)} in layers ${layerIndices(l.layers)}`).join('; ');
  const outsideTotal = Object.values(a.params.outside).reduce((s, v) => s + v, 0);
  const rows: Row[] = [
    ['Parameters'],
    count('  total', a.params.total),
    ...a.layers.flatMap((l) => [
      count(`  ${blockLabel(l)}`, l.params),
      ...Object.entries(l.components).map(([k, v]) => count(`    ${k}`, v)),
    ]),
    count('  outside the layers', outsideTotal),
    ...Object.entries(a.params.outside).map(([k, v]) => count(`    ${k}`, v)),
    ['Compute (forward multiply-accumulates)'],
    count('  MACs per token, all layers and head', a.macs.perToken),
    ...a.layers.map((l) =>
      count(`  MACs per token, one layer (no scores)${uniform ? '' : `, layers ${layerIndices(l.layers)}`}`, l.macs.perToken),
    ),
    count('  score MACs per head, one sequence', a.macs.scoresPerHead),
    count('  A·V MACs per head, one sequence', a.macs.avPerHead),
    count(`  MACs per sequence (T = ${m.seqLen})`, a.macs.perSequence),
    ['Scoring rank'],
    [`  rank / max (${a.rank.space})`, `${exactCount(a.rank.scoring)} / ${exactCount(a.rank.max)}`, ''],
    ...(uniform
      ? []
      : a.layers.map((l): Row => [
          `    layers ${layerIndices(l.layers)} (${l.rank.space})`,
          `${exactCount(l.rank.scoring)} / ${exactCount(l.rank.max)}`,
          '',
        ])),
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
  if (!uniform || a.layers[0]!.groups.length > 1) lines.push('', ...groupTable(a));
  return `${lines.join('\n')}\n`;
}

function align(rows: Row[]): string[] {
  const values = rows.filter((r): r is [string, string, string] => r.length === 3);
  const w0 = Math.max(...values.map((r) => r[0].length));
  const w1 = Math.max(...values.map((r) => r[1].length));
  return rows.map((r) => (r.length === 1 ? r[0] : `${r[0].padEnd(w0)}  ${r[1].padStart(w1)}  ${r[2]}`.trimEnd()));
}

/** Head groups of every distinct structure; a "layers" column when the layers differ. */
function groupTable(a: Analysis): string[] {
  const uniform = a.layers.length === 1;
  const header = [
    ...(uniform ? [] : ['layers']),
    'group',
    'heads',
    'family',
    'rank / max',
    'scoring params',
    'score MACs/head',
    'KV cache/token',
  ];
  const body = a.layers.flatMap((l) =>
    l.groups.map((g) => [
      ...(uniform ? [] : [layerIndices(l.layers)]),
      String(g.group),
      String(g.heads),
      g.kind,
      `${exactCount(g.rank.scoring)} / ${exactCount(g.rank.max)} (${g.rank.space})`,
      exactCount(g.scoringParams),
      shortCount(g.macs.scoresPerHead),
      shortBytes(g.kvCacheBytesPerToken),
    ]),
  );
  const left = new Set(uniform ? [2, 3] : [0, 3, 4]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [uniform ? 'Head groups' : 'Layers and head groups', ...[header, ...body].map((r) => `  ${line(r)}`)];
}
