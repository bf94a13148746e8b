/** Small integer helpers for the rules and their fixes. Inputs are bounded by the schema's size limits. */

/** Divisor searches stop here; the schema keeps every size below it. */
const MaxSearched = 2 ** 22;

/** Divisors of n in increasing order (empty for n out of range). */
export function divisors(n: number): number[] {
  if (!Number.isInteger(n) || n < 1 || n > MaxSearched) return [];
  const small: number[] = [];
  const large: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d === 0) {
      small.push(d);
      if (d * d !== n) large.unshift(n / d);
    }
  }
  return [...small, ...large];
}

/** The divisor of n that is at least `atLeast` and closest to `target` (ties: the larger), if any. */
export function nearestDivisor(n: number, target: number, atLeast = 1): number | undefined {
  let best: number | undefined;
  for (const d of divisors(n)) {
    if (d < atLeast) continue;
    if (best === undefined || Math.abs(d - target) <= Math.abs(best - target)) best = d;
  }
  return best;
}

/** The exponent of the largest power of two dividing n (n ≥ 1). */
export function twoAdicOrder(n: number): number {
  let k = 0;
  while (n % 2 === 0 && n > 0 && k < 64) {
    n /= 2;
    k++;
  }
  return k;
}

export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
