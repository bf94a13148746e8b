/**
 * Every feature-space scoring matrix as a sum of block-diagonal two-core contractions (§3.6), so one picture and
 * one tensor network describe them all:
 *
 *   W = Σ_l BlockDiag_{k<p_l}(B_{l,k}),  B[(α,β),(γ,δ)] = Σ_{σ<s} R[α,β,γ,σ]·L[σ,β,γ,δ],  m = a·b = c·d.
 *
 * The §3.6 special cases give the mapping: a rank-r product Q Kᵀ of m×r factors is (a,b) = (m,1), (c,d) = (1,m),
 * s = r. So dense, sliding-window and global-local heads are one low-rank level (two for global-local: its global
 * and local parts), bilinear MLR is one low-rank level per feature level (p_l = 2^l), bilinear BTT is one BTT level
 * and MLBTC is its own levels. Sequence-space MLR has no weight matrix to draw this way: its T×T blocks are
 * products of token data (see scoring.ts).
 */
import type { ResolvedAttention, ResolvedModel } from '../spec/resolve';

export interface TwoCoreLevel {
  /** Diagonal blocks p; each block is m×m with m = width / p. */
  blocks: number;
  /** [a, b], a·b = m. */
  out: [number, number];
  /** [c, d], c·d = m. */
  in: [number, number];
  /** Contraction rank s. */
  rank: number;
  /** Tied cores: each block is A ⊗ B with A a×c and B b×d. */
  kronecker: boolean;
  /** What this level is in its family's own terms, e.g. "level 1: rank 8 per block" or "global part (32 dims)". */
  label: string;
}

const lowRank = (width: number, blocks: number, rank: number, label: string): TwoCoreLevel => {
  const m = width / blocks;
  return { blocks, out: [m, 1], in: [1, m], rank, kronecker: false, label };
};

/** The two-core levels of a feature-space family; undefined for sequence-space MLR. */
export function twoCoreLevels(attention: ResolvedAttention, model: ResolvedModel): TwoCoreLevel[] | undefined {
  const D = model.width;
  switch (attention.kind) {
    case 'dense':
      return [lowRank(D, 1, attention.qkDim, `W_Qᵀ·W_K, rank ${attention.qkDim}`)];
    case 'sliding-window':
      return [lowRank(D, 1, model.headDim, `W_Qᵀ·W_K, rank ${model.headDim}, window ${attention.window}`)];
    case 'global-local': {
      const [a, b] = attention.split;
      return [lowRank(D, 1, a, `global part, ${a} dims`), lowRank(D, 1, b, `local part, ${b} dims, window ${attention.window}`)];
    }
    case 'bilinear-mlr':
      return attention.ranks.map((r, l) => lowRank(D, 2 ** l, r, `level ${l}: ${2 ** l} block${l ? 's' : ''} of rank ${r}`));
    case 'bilinear-btt':
      return [
        {
          blocks: 1,
          out: attention.factors,
          in: attention.factors,
          rank: attention.rank,
          kronecker: false,
          label: `BTT, rank ${attention.rank}`,
        },
      ];
    case 'mlbtc':
      return attention.levels.map((lv, l) => ({
        ...lv,
        label: `level ${l}: ${lv.blocks} block${lv.blocks > 1 ? 's' : ''}, ${lv.kronecker ? 'Kronecker' : `BTT rank ${lv.rank}`}`,
      }));
    case 'mlr':
      return undefined;
  }
}
