/**
 * A power law y = a·x^b fitted by least squares in log-log space (the scaling plots of the study view: loss against
 * training FLOPs, one fit per family). Points with a non-positive or non-finite coordinate have no logarithm and
 * are left out. A fit needs at least three distinct x values, so that its r² says something.
 */
export interface PowerLawFit {
  /** y = a·x^b */
  a: number;
  b: number;
  /** Coefficient of determination of the log-log line (1: every point on it). */
  r2: number;
  /** Points the fit used. */
  n: number;
  /** The x range of those points: the fit is drawn only there (choice: no extrapolation in a figure). */
  xMin: number;
  xMax: number;
}

export const MIN_FIT_POINTS = 3;

export function fitPowerLaw(points: readonly (readonly [number, number])[]): PowerLawFit | null {
  const logs = points
    .filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y))
    .map(([x, y]) => [Math.log(x), Math.log(y)] as const);
  if (new Set(logs.map(([u]) => u)).size < MIN_FIT_POINTS) return null;
  const n = logs.length;
  const mu = logs.reduce((s, [u]) => s + u, 0) / n;
  const mv = logs.reduce((s, [, v]) => s + v, 0) / n;
  let suu = 0;
  let suv = 0;
  let svv = 0;
  for (const [u, v] of logs) {
    suu += (u - mu) ** 2;
    suv += (u - mu) * (v - mv);
    svv += (v - mv) ** 2;
  }
  const b = suv / suu;
  const intercept = mv - b * mu;
  const residual = logs.reduce((s, [u, v]) => s + (v - intercept - b * u) ** 2, 0);
  const xs = logs.map(([u]) => Math.exp(u));
  return { a: Math.exp(intercept), b, r2: svv === 0 ? 1 : 1 - residual / svv, n, xMin: Math.min(...xs), xMax: Math.max(...xs) };
}

export function powerLawAt(fit: PowerLawFit, x: number): number {
  return fit.a * x ** fit.b;
}
