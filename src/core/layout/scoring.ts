/**
 * The block layout of one head group's scoring matrix, for drawing: which square blocks on the diagonal each level
 * contributes, with each block's size, generic rank and cost.
 *
 * - Sequence space (mlr, §3.4): the T×T logit matrix; level l has T/T_l blocks of length T_l and rank
 *   min(r_l, T_l). A block's cost is its score MACs per head per sequence, T_l²·r_l, so the blocks sum to the
 *   analysis' scoresPerHead.
 * - Feature space (every other family): the D×D bilinear matrix W_h as two-core levels (twoCore.ts). A block's
 *   cost is the MACs of applying it to one token for one head, s·(a·b·c + b·c·d) (§3.6: the same as its
 *   parameters for untied cores), so the blocks of all levels sum to one head's scoring projections per token.
 *   Choice: the per-pair score cost of bilinear families (D per pair) does not split over blocks, so the
 *   per-token application cost is what a block is coloured by.
 */
import type { ResolvedHeadGroup, ResolvedModel } from '../spec/resolve';
import { twoCoreLevels, type TwoCoreLevel } from './twoCore';

export type LayoutSpace = 'features' | 'sequence';

export interface LayoutLevel {
  label: string;
  /** Blocks on the diagonal and their side length. */
  blocks: number;
  blockSize: number;
  /** Generic rank of one block. */
  blockRank: number;
  /** The rank asked for at this level (r_l, s, or qkDim), before capping at what a block can hold. */
  requestedRank: number;
  /** Cost of one block, in the layout's unit. */
  blockMacs: number;
  /** The two-core form of a feature-space level (absent for sequence levels). */
  cores?: TwoCoreLevel;
}

export interface LayoutBlock {
  level: number;
  /** Index of the block along the diagonal within its level. */
  index: number;
  /** First row (= first column) and side length, in matrix indices. */
  start: number;
  size: number;
  rank: number;
  macs: number;
}

/**
 * The blocks themselves are implied by each level's count and size (all blocks of a level are alike), and are
 * listed on demand by layoutBlocks / blocksAt: a level can hold up to T blocks (2^20), too many to ship or draw one
 * by one.
 */
export interface ScoringLayout {
  space: LayoutSpace;
  /** Side of the matrix: D for features, T for sequence. */
  size: number;
  /** What a block's `macs` counts. */
  macsUnit: 'score MACs / head / sequence' | 'MACs / token / head';
  levels: LayoutLevel[];
  /** Causal window of sliding-window and global-local heads (it masks the T×T logits, it is not part of W). */
  window?: { size: number; seqLen: number };
}

/** Generic rank of one two-core block: b·min(a, c·s) capped at m (§3.2c, §3.6); Kronecker A⊗B: min(a,c)·min(b,d). */
export function twoCoreBlockRank(level: Pick<TwoCoreLevel, 'out' | 'in' | 'rank' | 'kronecker'>): number {
  const [a, b] = level.out;
  const [c, d] = level.in;
  if (level.kronecker) return Math.min(a, c) * Math.min(b, d);
  return Math.min(a * b, b * Math.min(a, c * level.rank));
}

/** MACs to apply one two-core block to a vector: s·(a·b·c + b·c·d), the two batched contractions of §3.2(f). */
export function twoCoreBlockMacs(level: Pick<TwoCoreLevel, 'out' | 'in' | 'rank'>): number {
  const [a, b] = level.out;
  const [c, d] = level.in;
  return level.rank * (a * b * c + b * c * d);
}

function block(layout: ScoringLayout, level: number, index: number): LayoutBlock {
  const lv = layout.levels[level];
  return { level, index, start: index * lv.blockSize, size: lv.blockSize, rank: lv.blockRank, macs: lv.blockMacs };
}

/** Every block of one level (or of all levels, coarse first), in diagonal order. */
export function layoutBlocks(layout: ScoringLayout, level?: number): LayoutBlock[] {
  const levels = level === undefined ? layout.levels.map((_, l) => l) : [level];
  return levels.flatMap((l) => Array.from({ length: layout.levels[l].blocks }, (_, k) => block(layout, l, k)));
}

/** The blocks that contain matrix entry (row, col), one per level at most, coarse first. */
export function blocksAt(layout: ScoringLayout, row: number, col: number): LayoutBlock[] {
  const out: LayoutBlock[] = [];
  layout.levels.forEach((lv, l) => {
    const k = Math.floor(row / lv.blockSize);
    if (k === Math.floor(col / lv.blockSize) && k < lv.blocks) out.push(block(layout, l, k));
  });
  return out;
}

export function scoringLayout(group: ResolvedHeadGroup, model: ResolvedModel): ScoringLayout {
  const a = group.attention;
  if (a.kind === 'mlr') {
    const T = model.seqLen;
    const levels = a.ranks.map((r, l): LayoutLevel => {
      const size = a.blockSizes[l];
      return {
        label: `level ${l}: ${T / size} block${T / size > 1 ? 's' : ''} of ${size} tokens, rank ${r}`,
        blocks: T / size,
        blockSize: size,
        blockRank: Math.min(r, size),
        requestedRank: r,
        blockMacs: size * size * r,
      };
    });
    return { space: 'sequence', size: T, macsUnit: 'score MACs / head / sequence', levels };
  }
  const cores = twoCoreLevels(a, model) as TwoCoreLevel[];
  const levels = cores.map((c): LayoutLevel => ({
    label: c.label,
    blocks: c.blocks,
    blockSize: model.width / c.blocks,
    blockRank: twoCoreBlockRank(c),
    requestedRank: c.rank,
    blockMacs: twoCoreBlockMacs(c),
    cores: c,
  }));
  const window = a.kind === 'sliding-window' || a.kind === 'global-local' ? { size: a.window, seqLen: model.seqLen } : undefined;
  return { space: 'features', size: model.width, macsUnit: 'MACs / token / head', levels, ...(window ? { window } : {}) };
}

/**
 * What a block adds up to where it is drawn on top: `value` summed over the levels whose blocks are at least as
 * large and contain the block's first diagonal entry. Drawn largest first, each visible region then shows the sum
 * over the levels covering it, e.g. the rank the levels give a (query, key) pair together: nearby pairs, covered
 * by more levels, get more. Exact whenever each block lies inside one block of every coarser level (dyadic and every
 * schedule of nested divisors); for non-nested custom block sizes it describes the block's first row.
 */
export function stackedValue(layout: ScoringLayout, block: LayoutBlock, value: (level: LayoutLevel) => number): number {
  let total = 0;
  for (const b of blocksAt(layout, block.start, block.start)) if (b.size >= block.size) total += value(layout.levels[b.level]);
  return total;
}
