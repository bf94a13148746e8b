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
  /** Index into its layer's groups (ResolvedSpec.layers[ℓ].groups). */
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
  /**
   * Per token, float32, over every block with this structure: this group's cached keys plus its heads' share
   * (heads·headDim) of the values.
   */
  kvCacheBytesPerToken: number;
}

/** One distinct block structure (one entry when every layer is alike). Figures are for one block unless said. */
export interface LayerAnalysis {
  /** The blocks (indices into ResolvedSpec.layers) with this structure, ascending. */
  layers: number[];
  /** Parameters of one block. */
  params: number;
  /**
   * One block's parameters by component; the values sum to params. Keys "attention.scoring", "attention.value",
   * "attention.output", "mlp", "norms".
   */
  components: Record<string, number>;
  macs: {
    /** Forward MACs per token of the block's projections and MLP (no attention scores). */
    perToken: number;
    /** Score MACs of one head for one sequence (the mean over the block's heads, rounded to an integer). */
    scoresPerHead: number;
    /** Score MACs of every head of the block for one sequence (exact). */
    scoresAllHeads: number;
    /** Forward MACs of one sequence through the block: perToken × T plus scores and A·V of every head. */
    perSequence: number;
  };
  /** The lowest scoring rank among the block's head groups, relative to its maximum. */
  rank: ScoringRank;
  groups: GroupAnalysis[];
  /** float32 bytes of activations one training sequence keeps in this block for the backward pass. */
  activationBytesPerSequence: number;
}

export interface Analysis {
  params: {
    /** Every block (Σ over layers) plus the parameters outside the blocks. */
    total: number;
    /** Parameters outside the blocks: embeddings/read-in, positions, final norm, head/read-out. */
    outside: Record<string, number>;
  };
  macs: {
    /** Forward MACs per token over all blocks' projections and MLPs, plus the output head/read-out. */
    perToken: number;
    /** Score MACs of one head for one sequence (when heads or layers differ: the mean over every head of every layer, rounded). */
    scoresPerHead: number;
    /** A·V MACs of one head for one sequence. */
    avPerHead: number;
    /** Forward MACs of one whole sequence through the model: per-token work × T plus scores and A·V of every head and layer. */
    perSequence: number;
  };
  /** The lowest scoring rank among all head groups of all layers, relative to its maximum (the model's bottleneck). */
  rank: ScoringRank;
  /** The distinct block structures in order of first use; their blocks partition the model's layers. */
  layers: LayerAnalysis[];
  /** float32 bytes cached per generated token, all layers (keys as the family caches them, plus values). */
  kvCacheBytesPerToken: number;
  /** float32 bytes of activations one training sequence keeps for the backward pass. */
  activationBytesPerSequence: number;
}
