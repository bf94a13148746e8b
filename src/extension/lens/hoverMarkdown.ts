/** The hover over a structure's attention: the block picture of each group's scoring matrix and its numbers. Pure. */
import type { LayerAnalysis } from '../../core/analysis/types';
import { groupLabel } from '../../core/layout/labels';
import { scoringLayout } from '../../core/layout/scoring';
import type { ResolvedSpec } from '../../core/spec/resolve';
import { exactCount, layerIndices, shortCount } from '../../core/format';
import { blockSvg, svgDataUri, type HoverPalette } from './blockSvg';
import { rankText } from './lensModel';

/** The block picture's side in CSS pixels (plus a 1 px frame each side): big enough to tell the levels apart. */
export const HOVER_PICTURE_SIDE = 200;

/** Head group `group` of the layer structure `layer` (one of analysis.layers); named with its layers when layers differ. */
export function groupHoverMarkdown(
  spec: ResolvedSpec,
  layer: LayerAnalysis,
  group: number,
  palette: HoverPalette,
  layersDiffer = false,
): string {
  const g = spec.layers[layer.layers[0]!]!.groups[group]!;
  const analysis = layer.groups[group]!;
  const layout = scoringLayout(g, spec.model);
  const heads = groupLabel({ heads: g.heads, firstHead: g.firstHead, kind: g.attention.kind }, spec.model.heads);
  const label = `${layersDiffer ? `layers ${layerIndices(layer.layers)} · ` : ''}${heads}`;
  const what = layout.space === 'sequence' ? `T×T logits (T = ${layout.size})` : `D×D bilinear matrix (D = ${layout.size})`;
  // Four narrow columns: the hover is at most about 500 px wide, and a wider table is cut off at its right.
  const rows = layout.levels.map((lv, l) => {
    const rank = `${lv.blockRank}${lv.requestedRank > lv.blockRank ? ` (of ${lv.requestedRank})` : ''}`;
    return `| ${l} | ${exactCount(lv.blocks)} × ${exactCount(lv.blockSize)} | ${rank} | ${shortCount(lv.blockMacs)} |`;
  });
  return [
    `**${label}**: scoring matrix, ${what}, ${layout.levels.length} level${layout.levels.length > 1 ? 's' : ''}`,
    '',
    `![block structure of the scoring matrix of ${label}](${svgDataUri(blockSvg(layout, palette, HOVER_PICTURE_SIDE))})`,
    '',
    `${rankText(analysis.rank)} · ${shortCount(analysis.macs.scoresPerHead)} score MACs/head · ${shortCount(analysis.scoringParams)} scoring params`,
    '',
    `| level | blocks × size | rank/block | ${layout.macsUnit === 'MACs / token / head' ? 'MACs/token' : 'MACs'}/block |`,
    '|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}
