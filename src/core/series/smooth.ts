/**
 * Exponential moving average as TensorBoard applies it to training curves, with the start-up bias removed:
 * s_k = m_k / (1 − w^(k+1)) with m_k = w·m_{k−1} + (1 − w)·y_k over the finite values seen so far. Without the
 * correction the first points would be pulled towards 0. Non-finite values (missing records) stay non-finite
 * and do not advance the average. weight 0 returns the values unchanged; weight must be in [0, 1).
 */
export function emaSmooth(values: ArrayLike<number>, weight: number): Float64Array {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  const out = new Float64Array(values.length);
  let mean = 0;
  // weight^k for the k finite values seen so far, kept as a running product (Math.pow per value is slow).
  let weightPower = 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = Number.NaN;
      continue;
    }
    mean = weight * mean + (1 - weight) * v;
    weightPower *= weight;
    out[i] = weight === 0 ? v : mean / (1 - weightPower);
  }
  return out;
}
