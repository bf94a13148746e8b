/**
 * Numerical rank by Householder QR with column pivoting (Businger–Golub), in float64.
 *
 * At step k the remaining column of largest norm is moved to position k and reduced; |R_kk| is then the norm of what
 * the first k columns do not explain, so the diagonal of R decreases and falls to round-off level right after the
 * rank. Rank = the number of k with |R_kk| > tol·|R_00|.
 *
 * Tolerance (a choice): relative, default 1e-10. Structural rank deficiency (an exactly low-rank product, a block
 * that cannot hold more rank) leaves residuals near 1e-14·|R_00| for the sizes checked here (n ≤ 1024), while the
 * smallest genuine |R_kk| of generic random instances stays above 1e-8·|R_00|; 1e-10 sits in that gap with four
 * orders of magnitude either side. Tests that depend on the rank also check the gap itself (`pivotedQrDiagonal`).
 *
 * Storage is column-major so every Householder update streams contiguous memory; the reduction stops as soon as
 * every remaining column is below the tolerance, so low-rank matrices cost O(m·n·rank).
 */
import type { Matrix } from './matrix';

export const DEFAULT_RANK_TOLERANCE = 1e-10;

const EPS = 2 ** -52;

/**
 * |R_kk| of a column-pivoted QR of `matrix`, largest first, stopping once every remaining column norm is at most
 * `stopBelow`·|R_00| (the entries after that are not computed: the array is shorter than min(m, n) then).
 */
export function pivotedQrDiagonal(matrix: Matrix, stopBelow = 0): number[] {
  const m = matrix.rows;
  const n = matrix.cols;
  const a = new Float64Array(m * n); // column-major: a[j·m + i] = matrix[i, j]
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[j * m + i] = matrix.data[i * n + j]!;

  const norms = new Float64Array(n); // norms of the unreduced part of each column
  const original = new Float64Array(n); // norms at their last full recomputation, to detect cancellation
  for (let j = 0; j < n; j++) norms[j] = original[j] = columnNorm(a, j * m, 0, m);

  const diagonal: number[] = [];
  const steps = Math.min(m, n);
  let first = 0;
  for (let k = 0; k < steps; k++) {
    let pivot = k;
    for (let j = k + 1; j < n; j++) if (norms[j]! > norms[pivot]!) pivot = j;
    if (k === 0) first = norms[pivot]!;
    if (first === 0 || norms[pivot]! <= stopBelow * first) break;
    if (pivot !== k) {
      swapColumns(a, m, k, pivot);
      [norms[k], norms[pivot]] = [norms[pivot]!, norms[k]!];
      [original[k], original[pivot]] = [original[pivot]!, original[k]!];
    }

    // Householder reflector H = I − τ·v·vᵀ with v[k] = 1 that maps column k below the diagonal to (β, 0, …, 0).
    const col = k * m;
    const alpha = a[col + k]!;
    const tailNorm = columnNorm(a, col, k + 1, m);
    if (tailNorm === 0) {
      diagonal.push(Math.abs(alpha));
    } else {
      const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, tailNorm);
      const tau = (beta - alpha) / beta;
      const scale = 1 / (alpha - beta);
      for (let i = k + 1; i < m; i++) a[col + i]! *= scale;
      a[col + k] = 1;
      const v = a.subarray(col + k, col + m);
      let j = k + 1;
      for (; j + 1 < n; j += 2)
        applyReflectorToPair(v, tau, a.subarray(j * m + k, j * m + m), a.subarray((j + 1) * m + k, (j + 1) * m + m));
      if (j < n) applyReflector(v, tau, a.subarray(j * m + k, j * m + m));
      a[col + k] = beta;
      diagonal.push(Math.abs(beta));
    }

    // Downdate the remaining norms by the entry just moved into row k (LAPACK xLAQP2), recomputing on cancellation.
    for (let j = k + 1; j < n; j++) {
      if (norms[j] === 0) continue;
      const ratio = Math.abs(a[j * m + k]!) / norms[j]!;
      const remaining = Math.max(0, (1 + ratio) * (1 - ratio));
      const drift = remaining * (norms[j]! / original[j]!) ** 2;
      if (drift <= Math.sqrt(EPS)) {
        norms[j] = original[j] = columnNorm(a, j * m, k + 1, m);
      } else {
        norms[j]! *= Math.sqrt(remaining);
      }
    }
  }
  return diagonal;
}

/** Numerical rank: the number of |R_kk| above `tol`·|R_00| (relative tolerance, see the file comment). */
export function numericalRank(matrix: Matrix, tol = DEFAULT_RANK_TOLERANCE): number {
  if (!(tol >= 0 && tol < 1)) throw new RangeError(`numericalRank: tol is relative to the largest pivot and must be in [0, 1), got ${tol}`);
  const diagonal = pivotedQrDiagonal(matrix, tol);
  const first = diagonal[0] ?? 0;
  return diagonal.filter((r) => r > tol * first).length;
}

/** y ← (I − τ·v·vᵀ)·y. The hot loop of the whole file: four accumulators so the dot product pipelines. */
function applyReflector(v: Float64Array, tau: number, y: Float64Array): void {
  const len = v.length;
  const end4 = len - (len % 4);
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  for (let i = 0; i < end4; i += 4) {
    d0 += v[i]! * y[i]!;
    d1 += v[i + 1]! * y[i + 1]!;
    d2 += v[i + 2]! * y[i + 2]!;
    d3 += v[i + 3]! * y[i + 3]!;
  }
  for (let i = end4; i < len; i++) d0 += v[i]! * y[i]!;
  const f = tau * (d0 + d1 + d2 + d3);
  if (f === 0) return;
  for (let i = 0; i < len; i++) y[i]! -= f * v[i]!;
}

/** The same for two columns at once, so each entry of v is loaded once per pair (the loop is memory-bound). */
function applyReflectorToPair(v: Float64Array, tau: number, y: Float64Array, z: Float64Array): void {
  const len = v.length;
  let dy0 = 0;
  let dy1 = 0;
  let dz0 = 0;
  let dz1 = 0;
  const end2 = len - (len % 2);
  for (let i = 0; i < end2; i += 2) {
    const v0 = v[i]!;
    const v1 = v[i + 1]!;
    dy0 += v0 * y[i]!;
    dy1 += v1 * y[i + 1]!;
    dz0 += v0 * z[i]!;
    dz1 += v1 * z[i + 1]!;
  }
  if (end2 < len) {
    dy0 += v[end2]! * y[end2]!;
    dz0 += v[end2]! * z[end2]!;
  }
  const fy = tau * (dy0 + dy1);
  const fz = tau * (dz0 + dz1);
  for (let i = 0; i < len; i++) {
    const vi = v[i]!;
    y[i]! -= fy * vi;
    z[i]! -= fz * vi;
  }
}

function columnNorm(a: Float64Array, offset: number, from: number, to: number): number {
  // Scaled sum of squares, so tiny or huge entries neither underflow nor overflow.
  let scale = 0;
  for (let i = from; i < to; i++) scale = Math.max(scale, Math.abs(a[offset + i]!));
  if (scale === 0) return 0;
  let sum = 0;
  for (let i = from; i < to; i++) {
    const v = a[offset + i]! / scale;
    sum += v * v;
  }
  return scale * Math.sqrt(sum);
}

function swapColumns(a: Float64Array, m: number, j: number, k: number): void {
  for (let i = 0; i < m; i++) {
    const t = a[j * m + i]!;
    a[j * m + i] = a[k * m + i]!;
    a[k * m + i] = t;
  }
}
