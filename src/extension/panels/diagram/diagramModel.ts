/** What the diagram webview draws, from a resolved spec and its analysis. Pure (no vscode), unit-tested. */
import type { Analysis } from '../../../core/analysis/types';
import { scoringLayout } from '../../../core/layout/scoring';
import { tensorNetwork } from '../../../core/layout/tensorNetwork';
import type { ResolvedSpec } from '../../../core/spec/resolve';
import type { DiagramGroup, DiagramLayer, DiagramModel } from '../../../protocol/webview';

export function diagramModel(uri: string, fileName: string, spec: ResolvedSpec, analysis: Analysis): DiagramModel {
  const { width, heads, headDim, layers, seqLen } = spec.model;
  const layerModels = analysis.layers.map((la): DiagramLayer => ({
    layers: la.layers,
    groups: spec.layers[la.layers[0]!]!.groups.map((g, index): DiagramGroup => {
      const ga = la.groups[index]!;
      const layout = scoringLayout(g, spec.model);
      const networks = layout.space === 'features' ? layout.levels.map((l) => tensorNetwork(l.cores!)) : undefined;
      return {
        index,
        kind: g.attention.kind,
        heads: g.heads,
        firstHead: g.firstHead,
        rank: ga.rank,
        scoringParams: ga.scoringParams,
        scoreMacsPerHead: ga.macs.scoresPerHead,
        layout,
        ...(networks ? { networks } : {}),
      };
    }),
  }));
  return {
    uri,
    fileName,
    name: spec.name,
    model: { width, heads, headDim, layers, seqLen },
    totals: { params: analysis.params.total, macsPerToken: analysis.macs.perToken, scoreMacsPerHead: analysis.macs.scoresPerHead },
    layers: layerModels,
  };
}
