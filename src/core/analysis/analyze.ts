/**
 * analyze(spec): exact parameter, MAC, rank and memory counts of a resolved spec, for the model as the reference
 * builds it (§2.1): pre-LN blocks, no biases, untied output head, learned positions, QK-norm gains, GELU MLP
 * D → mlpRatio·D → D. Per-family facts come from ./families.ts, the parts outside the blocks from ./taskHeads.ts.
 *
 * Counting rules (also in docs/choices.md):
 * - MACs are forward multiply-accumulates. Per token: Q/K-side projections of every head, V and O (D² each) and the
 *   MLP (2·mlpRatio·D²) in each layer, plus the read-in (a matmul for icl-regression and forecast; the LM embedding
 *   is a lookup and free) and the output head. LayerNorm, softmax, GELU and residual adds are not MACs.
 * - Scores and A·V are counted per head per sequence, blockwise, with no causal savings, as the reference's FLOP
 *   counter does (the sliding window uses its symmetric-window accounting, §3.5; A·V is always dense T²·headDim).
 * - Activations: float32 values one training sequence keeps for the backward pass of a manual-attention step. Per
 *   layer: the block input and ln_1 output, v, the concatenated head outputs, the ln_2 input and output (6·T·D),
 *   the MLP hidden before and after GELU (2·T·mlpRatio·D), each head's Q/K side (projections or family
 *   intermediates, and their QK-norm outputs; families.ts) and each softmax's T×T logits and probabilities.
 *   Outside: the ln_f input and output (2·T·D) and the output head's values (T·vocab logits for the LM). The
 *   embedding sum is the first block's input and is not counted twice. Inputs and targets are data, not counted.
 */
import { distinctLayers, type ResolvedHeadGroup, type ResolvedModel, type ResolvedSpec } from '../spec/resolve';
import { headFacts } from './families';
import { taskHeads } from './taskHeads';
import type { Analysis, GroupAnalysis, LayerAnalysis, ScoringRank } from './types';

const FLOAT32_BYTES = 4;

/** True when rank a is a tighter bottleneck than b (lower scoring/max), compared without division. */
function lowerRatio(a: ScoringRank, b: ScoringRank): boolean {
  return a.scoring * b.max < b.scoring * a.max;
}

/** The lowest rank relative to its maximum (first on ties). */
function bottleneck(ranks: ScoringRank[]): ScoringRank {
  return ranks.reduce((low, r) => (lowerRatio(r, low) ? r : low));
}

/** One block with head groups `groups`, used by the blocks `layers` (per-block figures; kv caches over those blocks). */
function analyzeLayer(groupsIn: ResolvedHeadGroup[], layers: number[], model: ResolvedModel): LayerAnalysis {
  const D = model.width;
  const T = model.seqLen;
  const r = model.headDim;
  const hidden = model.mlpRatio * D;
  const avPerHead = T * T * r;
  const groups: GroupAnalysis[] = [];
  let scoringParams = 0;
  let projectionsPerToken = 0;
  let scoresAllHeads = 0;
  let attentionAllHeads = 0;
  let qkActivations = 0;
  groupsIn.forEach((group, index) => {
    const facts = headFacts(group.attention, model);
    const h = group.heads;
    const groupParams = h * facts.projectionParams + facts.normGains;
    const groupProjections = h * facts.projectionMacs;
    scoringParams += groupParams;
    projectionsPerToken += groupProjections;
    scoresAllHeads += h * facts.scoreMacs;
    attentionAllHeads += h * (facts.scoreMacs + avPerHead);
    qkActivations += h * (T * (facts.activations.raw + facts.activations.normalized) + facts.softmaxes * 2 * T * T);
    groups.push({
      group: index,
      kind: group.attention.kind,
      heads: h,
      rank: facts.rank,
      scoringParams: groupParams,
      macs: { scoresPerHead: facts.scoreMacs, avPerHead, projectionsPerToken: groupProjections },
      kvCacheBytesPerToken: h * (facts.keyWidth + r) * FLOAT32_BYTES * layers.length,
    });
  });
  const components = {
    'attention.scoring': scoringParams,
    'attention.value': D * D,
    'attention.output': D * D,
    mlp: 2 * D * hidden,
    norms: 2 * D,
  };
  const perToken = projectionsPerToken + 2 * D * D + 2 * D * hidden;
  return {
    layers,
    params: Object.values(components).reduce((n, v) => n + v, 0),
    components,
    macs: {
      perToken,
      scoresPerHead: Math.round(scoresAllHeads / model.heads),
      scoresAllHeads,
      perSequence: T * perToken + attentionAllHeads,
    },
    rank: bottleneck(groups.map((g) => g.rank)),
    groups,
    activationBytesPerSequence: FLOAT32_BYTES * (6 * T * D + 2 * T * hidden + qkActivations),
  };
}

export function analyze(spec: ResolvedSpec): Analysis {
  const { model } = spec;
  const D = model.width;
  const T = model.seqLen;
  // Each distinct structure is analysed once and weighted by how many blocks use it (docs/choices.md).
  const layers = distinctLayers(spec).map((d) => analyzeLayer(d.groups, d.layers, model));
  const overBlocks = (f: (l: LayerAnalysis) => number): number => layers.reduce((n, l) => n + l.layers.length * f(l), 0);
  const heads = taskHeads(spec.task, model);
  const outside = Object.values(heads.params).reduce((n, v) => n + v, 0);
  const perToken = overBlocks((l) => l.macs.perToken) + heads.macsPerToken;

  return {
    params: { total: overBlocks((l) => l.params) + outside, outside: heads.params },
    macs: {
      perToken,
      // Rounded so every figure stays an integer count; perSequence keeps the exact total.
      scoresPerHead: Math.round(overBlocks((l) => l.macs.scoresAllHeads) / (model.heads * model.layers)),
      avPerHead: T * T * model.headDim,
      perSequence: overBlocks((l) => l.macs.perSequence) + T * heads.macsPerToken,
    },
    rank: bottleneck(layers.map((l) => l.rank)),
    layers,
    kvCacheBytesPerToken: layers.reduce((n, l) => n + l.groups.reduce((m, g) => m + g.kvCacheBytesPerToken, 0), 0),
    activationBytesPerSequence: overBlocks((l) => l.activationBytesPerSequence) + FLOAT32_BYTES * (2 * T * D + T * heads.outputWidth),
  };
}
