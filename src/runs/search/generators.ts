/**
 * The structure-aware search generators: the value lists that depend on the rest of the candidate (model.headDim,
 * model.width, the ranks chosen for the same attention block). Pure and deterministic; each list is in a fixed,
 * documented order so a grid search is reproducible.
 *
 * A generator can be huge (the splits of 64 into 8 ranks number C(63, 7) ≈ 5.5·10⁸), so each is a ValueSet: a
 * count, the value at an index, and a uniform sample, and only small ones are enumerated.
 */
import { divisors, twoAdicOrder } from '../../core/validate/semantic/numbers';
import type { Rng } from '../../core/random';

/** A finite ordered set of values, addressable and sampled without being listed. */
export interface ValueSet {
  /** How many values (a float estimate when astronomically large: then only compared with limits). */
  readonly count: number;
  /** The value at an index; only used when count is small enough to enumerate. */
  at(index: number): unknown;
  /** A uniformly drawn value. */
  sample(rng: Rng): unknown;
}

export function listSet(values: readonly unknown[]): ValueSet {
  return { count: values.length, at: (i) => values[i], sample: (rng) => values[rng.int(values.length)] };
}

/** Binomial coefficient C(n, k) as a float (exact below 2^53; only compared with limits beyond that). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let c = 1;
  for (let i = 1; i <= Math.min(k, n - k); i++) c = (c * (n - Math.min(k, n - k) + i)) / i;
  return Math.round(c);
}

/**
 * Every ordered split of `total` into `levels` positive parts, each a multiple of `multipleOf`, in decreasing
 * lexicographic order (the most global-heavy split first): 16 into 2 by 4 → [12,4], [8,8], [4,12].
 * Counting: with n = total/k units, a split is a composition of n into L parts: C(n−1, L−1) of them.
 */
export function rankSplits(total: number, levels: number, multipleOf: number): ValueSet {
  if (total % multipleOf !== 0) return listSet([]);
  const n = total / multipleOf;
  const count = binomial(n - 1, levels - 1);
  return {
    count,
    at: (index) => compositionAt(n, levels, index).map((u) => u * multipleOf),
    sample: (rng) => (count === 0 ? undefined : randomComposition(n, levels, rng).map((u) => u * multipleOf)),
  };
}

/**
 * A uniform composition of n into L parts: L − 1 distinct cut points among the n − 1 gaps (Floyd's sampling), so
 * every composition is equally likely however many there are.
 */
function randomComposition(n: number, levels: number, rng: Rng): number[] {
  const cuts = new Set<number>();
  for (let j = n - levels + 1; j <= n - 1; j++) {
    const t = 1 + rng.int(j);
    cuts.add(cuts.has(t) ? j : t);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  return [...sorted, n].map((c, i) => c - (i === 0 ? 0 : sorted[i - 1]!));
}

/**
 * The index-th composition of n into L parts in decreasing lexicographic order, by unranking: the first part takes
 * the largest value whose block of compositions (C(n − first − 1, L − 2) of them) still contains the index.
 */
function compositionAt(n: number, levels: number, index: number): number[] {
  const parts: number[] = [];
  let rest = n;
  let i = index;
  for (let l = levels; l > 1; l--) {
    // Largest first part leaves at least one unit for each of the l − 1 remaining parts.
    for (let first = rest - (l - 1); first >= 1; first--) {
      const block = binomial(rest - first - 1, l - 2);
      if (i < block) {
        parts.push(first);
        rest -= first;
        break;
      }
      i -= block;
    }
  }
  parts.push(rest);
  return parts;
}

/** Every [a, b] with a·b = width, a ascending: 12 → [1,12], [2,6], [3,4], [4,3], [6,2], [12,1]. */
export function factorizations(width: number): ValueSet {
  return listSet(divisors(width).map((a) => [a, width / a]));
}

/**
 * Every dyadic block schedule for `ranks` at sequence length seqLen: strictly decreasing sizes seqLen/2^e (e from 0
 * up to the power of two dividing seqLen, so every size divides seqLen), one per level, each at least that level's
 * rank. Ordered by the exponent lists, lexicographically, so the standard dyadic schedule [T, T/2, …] is first.
 */
export function dyadicBlockSchedules(seqLen: number, ranks: readonly number[]): ValueSet {
  const maxExp = twoAdicOrder(seqLen);
  const levels = ranks.length;
  const out: number[][] = [];
  const exps: number[] = [];
  const walk = (from: number): void => {
    const l = exps.length;
    if (l === levels) {
      out.push(exps.map((e) => seqLen / 2 ** e));
      return;
    }
    for (let e = from; e <= maxExp - (levels - l - 1); e++) {
      if (seqLen / 2 ** e < ranks[l]!) break; // finer blocks only get smaller
      exps.push(e);
      walk(e + 1);
      exps.pop();
    }
  };
  if (levels > 0 && levels <= maxExp + 1) walk(0);
  return listSet(out);
}
