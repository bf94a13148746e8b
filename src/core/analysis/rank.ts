/**
 * Exact generic rank of one head's scoring matrix, from its structure alone (no weights): what random instances
 * give with probability one. Masks (causal, window) and QK-norm are not part of the structure: ranks refer to the
 * bilinear core W_h (features space) or to the pre-mask logit matrix (sequence space).
 *
 * Features space. Every feature-space family is a sum of block-diagonal two-core levels (../layout/twoCore.ts):
 * W = Σ_l BlockDiag_{k<p_l}(B_{l,k}), B[(α,β),(γ,δ)] = Σ_σ R[α,β,γ,σ]·L[σ,β,γ,δ]. Without tied cores,
 *
 *   rank = min(D, Σ_l p_l·min(m_l, b_l·c_l·s_l)).
 *
 * Why exact: W = [R-cores of all levels]·[L-cores of all levels] is a product of two matrices whose nonzero entries
 * are independent parameters. By Cauchy–Binet each k×k minor is a sum over middle index sets with distinct
 * monomials, so its generic rank is the largest number of vertex-disjoint paths input feature → (l,k,β,γ,σ) →
 * output feature. Spreading every level's flow evenly over its blocks and groups loads each feature with
 * Σ_l p_l·min(m_l, b_l c_l s_l)/D, so a flow of min(D, that sum) exists (fractional, hence integral), and no flow
 * can exceed either term. One level's block rank min(m, b·c·s) = b·min(a, c·s) is §3.2(c)'s bound.
 * Kronecker-tied levels (A ⊗ B) have block rank min(a,c)·min(b,d). Their entries are products, not independent, and
 * summed with other levels they can lose rank (e.g. D 12: [2,6]←[3,4] ⊗ plus [2,6]←[1,12] ⊗ gives 10, not 12):
 * then the same sum is reported as an upper bound (`upperBound`), unless one level alone already reaches it (a lone
 * Kronecker level, or one at full block rank a = c, which spans D), where it is exact.
 *
 * Sequence space (mlr). S = ω ⊙ Σ_l BlockDiag_{T_l}(q_l·k_lᵀ)/r_l. With ω constant ("none", "levels"), the same
 * flow argument over token positions gives min(T, Σ_l (T/T_l)·min(r_l, T_l)) (§3.4(c)). With "coverage"
 * (ω = 1/c(i,j)) the Hadamard factor breaks the low-rank blocks: split the positions into atoms, the maximal
 * runs that every level keeps in one block (cut at every multiple of every T_l). Row i of S is a combination of
 * the r = Σ r_l key columns restricted to i's atom, so rank ≤ Σ_atoms min(|atom|, r), and random instances attain
 * it (checked against random instances of nested, non-nested and randomly drawn schedules in
 * test/unit/core.analysis.rank.test.ts).
 * E.g. the final LM runs' "32|8|6|4|4|4|4|2" at T = 1024 with coverage has full rank 1024, against 808 without.
 */
import { twoCoreBlockRank } from '../layout/scoring';
import type { TwoCoreLevel } from '../layout/twoCore';
import type { ResolvedAttention } from '../spec/resolve';
import type { ScoringRank } from './types';

/** Generic rank of a sum of block-diagonal two-core levels at width D. */
export function featureRank(levels: readonly TwoCoreLevel[], width: number): ScoringRank {
  let sum = 0;
  let largestLevel = 0;
  let deficientKronecker = false;
  for (const level of levels) {
    const blockRank = twoCoreBlockRank(level);
    sum += level.blocks * blockRank;
    largestLevel = Math.max(largestLevel, level.blocks * blockRank);
    if (level.kronecker && blockRank < width / level.blocks) deficientKronecker = true;
  }
  const scoring = Math.min(width, sum);
  // Zeroing every other level shows the largest single level's rank is attained, so the bound is exact when they meet.
  const exact = !deficientKronecker || largestLevel === scoring;
  return { scoring, max: width, space: 'features', ...(exact ? {} : { upperBound: true as const }) };
}

/** Generic rank of an mlr head's T×T logit matrix. */
export function sequenceRank(attention: Extract<ResolvedAttention, { kind: 'mlr' }>, seqLen: number): ScoringRank {
  const { ranks, blockSizes } = attention;
  let sum = 0;
  if (attention.normalize === 'coverage') {
    const headDim = ranks.reduce((n, r) => n + r, 0);
    for (const atom of coverageAtoms(blockSizes, seqLen)) sum += Math.min(atom, headDim);
  } else {
    ranks.forEach((r, l) => (sum += (seqLen / blockSizes[l]!) * Math.min(r, blockSizes[l]!)));
  }
  return { scoring: Math.min(seqLen, sum), max: seqLen, space: 'sequence' };
}

/** Lengths of the maximal position runs that lie in one block of every level (cuts at multiples of each T_l). */
export function coverageAtoms(blockSizes: readonly number[], seqLen: number): number[] {
  const cut = new Uint8Array(seqLen + 1);
  for (const size of blockSizes) for (let t = 0; t <= seqLen; t += size) cut[t] = 1;
  const atoms: number[] = [];
  let start = 0;
  for (let t = 1; t <= seqLen; t++) {
    if (cut[t]) {
      atoms.push(t - start);
      start = t;
    }
  }
  return atoms;
}
