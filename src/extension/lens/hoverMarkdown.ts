/** The hover over a structure's attention: the block picture of each group's scoring matrix and its numbers. Pure. */
import type { LayerAnalysis } from '../../core/analysis/types';
import { groupLabel } from '../../core/layout/labels';
import { scoringLayout } from '../../core/layout/scoring';
import type { ResolvedSpec } from '../../core/spec/resolve';
import { exactCount, layerIndices, shortCount } from '../../core/format';
import { blockSvg, svgDataUri, type HoverPalette } from './blockSvg';
import { rankText } from './lensModel';

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
  const rows = layout.levels.map(
    (lv, l) =>
      `| ${l} | ${exactCount(lv.blocks)} | ${exactCount(lv.blockSize)} | ${lv.blockRank}${lv.requestedRank > lv.blockRank ? ` (of ${lv.requestedRank})` : ''} | ${shortCount(lv.blockMacs)} |`,
  );
  return [
    `**${label}**: scoring matrix, ${what}, ${layout.levels.length} level${layout.levels.length > 1 ? 's' : ''}`,
    '',
    `![block structure of the scoring matrix of ${label}](${svgDataUri(blockSvg(layout, palette))})`,
    '',
    `${rankText(analysis.rank)} · ${shortCount(analysis.macs.scoresPerHead)} score MACs/head · ${shortCount(analysis.scoringParams)} scoring params`,
    '',
    `| level | blocks | size | rank/block | ${layout.macsUnit === 'MACs / token / head' ? 'MACs/token/head' : 'score MACs/head'} per block |`,
    '|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}
