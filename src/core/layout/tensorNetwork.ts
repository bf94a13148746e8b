/**
 * The tensor network of one two-core level (§3.6): its cores as nodes and its indices as legs.
 * B[(α,β),(γ,δ)] = Σ_σ R[α,β,γ,σ]·L[σ,β,γ,δ]. α (size a) and β (b) index the block's rows, γ (c) and δ (d) its
 * columns, σ (s) is contracted. β and γ are carried by both cores (hyperedges: the contraction is batched over
 * them, which is what makes the block structured). Kronecker levels tie the cores into A[α,γ] ⊗ B[β,δ], which share
 * no index at all. Legs of size 1 are marked trivial: a low-rank block is R and L joined by σ alone.
 */
import type { TwoCoreLevel } from './twoCore';

export type LegName = 'a' | 'b' | 'c' | 'd' | 's';

export interface TnLeg {
  name: LegName;
  /** The index letter used in the formula: α β γ δ σ. */
  index: string;
  dim: number;
  /** Ids of the cores that carry this index. */
  cores: string[];
  /** Row (out) or column (in) index of the block, or contracted between cores. */
  side: 'out' | 'in' | 'contracted';
  /** Size 1: present in the formula, absent in effect. */
  trivial: boolean;
}

export interface TnCore {
  id: string;
  /** Leg names in the core's axis order, and the matching sizes. */
  legs: LegName[];
  shape: number[];
  /** Entries of one core of one block. */
  params: number;
}

export interface TensorNetwork {
  /** The level's blocks repeat this network p times. */
  blocks: number;
  cores: TnCore[];
  legs: TnLeg[];
}

const indexOf: Record<LegName, string> = { a: 'α', b: 'β', c: 'γ', d: 'δ', s: 'σ' };

export function tensorNetwork(level: TwoCoreLevel): TensorNetwork {
  const [a, b] = level.out;
  const [c, d] = level.in;
  const s = level.rank;
  const dims: Record<LegName, number> = { a, b, c, d, s };
  const leg = (name: LegName, cores: string[], side: TnLeg['side']): TnLeg => ({
    name,
    index: indexOf[name],
    dim: dims[name],
    cores,
    side,
    trivial: dims[name] === 1,
  });
  const core = (id: string, legs: LegName[]): TnCore => {
    const shape = legs.map((l) => dims[l]);
    return { id, legs, shape, params: shape.reduce((x, y) => x * y, 1) };
  };
  if (level.kronecker) {
    return {
      blocks: level.blocks,
      cores: [core('A', ['a', 'c']), core('B', ['b', 'd'])],
      legs: [leg('a', ['A'], 'out'), leg('b', ['B'], 'out'), leg('c', ['A'], 'in'), leg('d', ['B'], 'in')],
    };
  }
  return {
    blocks: level.blocks,
    cores: [core('R', ['a', 'b', 'c', 's']), core('L', ['s', 'b', 'c', 'd'])],
    legs: [
      leg('a', ['R'], 'out'),
      leg('b', ['R', 'L'], 'out'),
      leg('c', ['R', 'L'], 'in'),
      leg('d', ['L'], 'in'),
      leg('s', ['R', 'L'], 'contracted'),
    ],
  };
}
