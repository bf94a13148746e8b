/**
 * What each attention family costs per head: the facts analyze() sums over head groups. Every count is for the
 * model as the reference builds it (§3, (b)–(e) of each family); docs/choices.md lists the counting rules.
 *
 * Feature-space families (all but mlr) are described once as sums of two-core levels (../layout/twoCore.ts), so
 * their projection parameters, projection MACs and rank come from one place: a two-core block has
 * s·(a·b·c + b·c·d) independent weights and applying it to a token costs the same MACs (§3.6); a Kronecker-tied
 * block A ⊗ B has a·c + b·d weights and, contracted in the same order, b·c·d + a·b·c MACs.
 */
import { twoCoreBlockMacs } from '../layout/scoring';
import { twoCoreLevels, type TwoCoreLevel } from '../layout/twoCore';
import type { ResolvedAttention, ResolvedModel } from '../spec/resolve';
import { featureRank, sequenceRank } from './rank';
import type { ScoringRank } from './types';

export interface HeadFacts {
  rank: ScoringRank;
  /** Q/K-side weights of one head (no QK-norm gains). */
  projectionParams: number;
  /** QK-norm gains of the whole group (shared by its heads, §2.2); 0 with qkNorm off. */
  normGains: number;
  /** Q/K-side MACs of one head for one token. */
  projectionMacs: number;
  /** Score MACs of one head for one sequence, blockwise, no causal savings (§3.5: symmetric window pairs). */
  scoreMacs: number;
  /** Softmaxes per head: 2 for global-local (§3.5), else 1. Each keeps a T×T pre- and post-softmax matrix. */
  softmaxes: number;
  /** float32 values one head caches per token for its keys. */
  keyWidth: number;
  /**
   * Q/K-side activations one head keeps per token for the backward pass: the projected queries/keys and family
   * intermediates (`raw`), and the QK-norm outputs (`normalized`, 0 with qkNorm off).
   */
  activations: { raw: number; normalized: number };
}

/** Query-key pairs the reference FLOP counter visits for a window w: keys [max(0, i−w), min(T, i+w)) per query i (§3.5). */
export function slidingWindowPairs(seqLen: number, window: number): number {
  let pairs = 0;
  for (let i = 0; i < seqLen; i++) pairs += Math.min(seqLen, i + window) - Math.max(0, i - window);
  return pairs;
}

function twoCoreBlockParams(level: TwoCoreLevel): number {
  const [a, b] = level.out;
  const [c, d] = level.in;
  return level.kronecker ? a * c + b * d : twoCoreBlockMacs(level);
}

/** Width of the intermediate a two-core block keeps per token between its two contractions: b·c·s (§3.2(f) U). */
function twoCoreIntermediate(level: TwoCoreLevel): number {
  return level.out[1] * level.in[0] * level.rank;
}

function sum<T>(items: readonly T[], f: (t: T) => number): number {
  let n = 0;
  for (const t of items) n += f(t);
  return n;
}

/** Per-head facts of one family. */
export function headFacts(attention: ResolvedAttention, model: ResolvedModel): HeadFacts {
  const D = model.width;
  const T = model.seqLen;
  const r = model.headDim;
  const norm = attention.qkNorm ? 1 : 0;

  if (attention.kind === 'mlr') {
    // Q and K are the full D×D projections; LN over the whole head dimension before the level split (§3.4).
    return {
      rank: sequenceRank(attention, T),
      projectionParams: 2 * D * r,
      normGains: norm * 2 * r,
      projectionMacs: 2 * D * r,
      // Level l: T/T_l diagonal blocks of T_l² pairs at r_l MACs each, so T·Σ_l T_l·r_l (§3.4(e)).
      scoreMacs: T * attention.ranks.reduce((n, rank, l) => n + rank * attention.blockSizes[l]!, 0),
      softmaxes: 1,
      keyWidth: r,
      activations: { raw: 2 * r, normalized: norm * 2 * r },
    };
  }

  const levels = twoCoreLevels(attention, model)!;
  const projection = sum(levels, (l) => l.blocks * twoCoreBlockParams(l));
  const projectionMacs = sum(levels, (l) => l.blocks * twoCoreBlockMacs(l));
  const rank = featureRank(levels, D);
  switch (attention.kind) {
    case 'dense':
    case 'sliding-window':
    case 'global-local': {
      const qk =
        attention.kind === 'dense' ? attention.qkDim : attention.kind === 'global-local' ? attention.split[0] + attention.split[1] : r;
      const scoreMacs =
        attention.kind === 'dense'
          ? T * T * qk
          : attention.kind === 'sliding-window'
            ? slidingWindowPairs(T, attention.window) * qk
            : T * T * attention.split[0] + slidingWindowPairs(T, attention.window) * attention.split[1];
      return {
        rank,
        projectionParams: projection,
        normGains: norm * 2 * qk,
        projectionMacs,
        scoreMacs,
        softmaxes: attention.kind === 'global-local' ? 2 : 1,
        keyWidth: qk,
        activations: { raw: 2 * qk, normalized: norm * 2 * qk },
      };
    }
    case 'bilinear-mlr': {
      // Each level is MHA with q/k width r_l·2^l and its own LN (§3.3): width Σ r_l·2^l per head.
      const width = attention.ranks.reduce((n, rank, l) => n + rank * 2 ** l, 0);
      return {
        rank,
        projectionParams: projection,
        normGains: norm * 2 * width,
        projectionMacs,
        scoreMacs: T * T * width,
        softmaxes: 1,
        keyWidth: width,
        activations: { raw: 2 * width, normalized: norm * 2 * width },
      };
    }
    case 'bilinear-btt':
    case 'mlbtc':
      // Keys become z = W_h·x (D per head per token) and are LN'd over D; queries are the raw x_i (§3.2). Each level
      // keeps its first contraction's output U (b·c·s per block) for the backward pass, and the summed z.
      return {
        rank,
        projectionParams: projection,
        normGains: norm * D,
        projectionMacs,
        scoreMacs: T * T * D,
        softmaxes: 1,
        keyWidth: D,
        activations: { raw: sum(levels, (l) => l.blocks * twoCoreIntermediate(l)) + D, normalized: norm * D },
      };
  }
}
