/**
 * The analysis of a resolved spec: exact integer counts for the model as the reference code builds it
 * (no biases, untied output head, learned positions, QK-norm gains). See docs/choices.md for the counting rules.
 */

/** Which matrix a head's scoring rank refers to: D×D for bilinear families, T×T for sequence families. */
export type ScoringSpace = 'features' | 'sequence';

/** Generic rank of one head's scoring matrix (D×D in features space, T×T in sequence space) and its maximum. */
export interface ScoringRank {
  scoring: number;
  max: number;
  space: ScoringSpace;
  /**
   * Present (true) only when `scoring` is an upper bound rather than the exact generic rank: an mlbtc head that sums
   * a rank-deficient Kronecker-tied level with other levels (tied cores can lose rank in a sum; docs/choices.md).
   */
  upperBound?: true;
}

export interface GroupAnalysis {
  /** Index into ResolvedSpec.groups. */
  group: number;
  kind: string;
  heads: number;
  rank: ScoringRank;
  /** Parameters of this group's scoring function (Q/K-side weights and QK-norm gains), all heads of the group. */
  scoringParams: number;
  /**
   * scoresPerHead, avPerHead: one head, one sequence, blockwise without causal savings, as the reference counts.
   * projectionsPerToken: the Q/K-side projections of all heads of the group, one token, one layer.
   */
  macs: { scoresPerHead: number; avPerHead: number; projectionsPerToken: number };
  /** Per token, float32, all layers: this group's cached keys plus its heads' share (heads·headDim) of the values. */
  kvCacheBytesPerToken: number;
}

export interface Analysis {
  params: {
    total: number;
    /** Parameters of one transformer block. */
    perLayer: number;
    /** Per-layer components; the values sum to perLayer. Keys like "attention.scoring", "attention.value", "attention.output", "mlp", "norms". */
    perLayerComponents: Record<string, number>;
    /** Parameters outside the blocks: embeddings/read-in, positions, final norm, head/read-out. Values sum with layers·perLayer to total. */
    outside: Record<string, number>;
  };
  macs: {
    /** Forward MACs per token of one layer's projections and MLP (no attention scores, no embeddings). */
    perTokenPerLayer: number;
    /** Forward MACs per token over all layers, projections and MLP, plus the output head/read-out. */
    perToken: number;
    /** Score MACs of one head for one sequence (when head groups differ: the mean over heads, rounded to an integer). */
    scoresPerHead: number;
    /** A·V MACs of one head for one sequence. */
    avPerHead: number;
    /** Forward MACs of one whole sequence through the model: per-token work × T plus scores and A·V of every head and layer. */
    perSequence: number;
  };
  /** The lowest scoring rank among head groups, relative to its maximum (the whole model's bottleneck). */
  rank: ScoringRank;
  groups: GroupAnalysis[];
  /** float32 bytes cached per generated token, all layers (keys as the family caches them, plus values). */
  kvCacheBytesPerToken: number;
  /** float32 bytes of activations one training sequence keeps for the backward pass. */
  activationBytesPerSequence: number;
}
