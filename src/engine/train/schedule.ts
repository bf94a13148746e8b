/**
 * Learning-rate schedule (§2.5): linear warm-up, then constant (the reference) or cosine decay to minLrRatio·lr.
 *
 * Steps are 1-based here, as the reference counts iterations: step s ≤ warmupSteps runs at s/warmupSteps of the
 * base rate (so step 1 of a 1000-step warm-up uses lr/1000 and step 1000 the full rate), never at zero.
 * Cosine (our extension; the reference never decays): progress p = (s − warmup)/(steps − warmup) runs from just
 * above 0 to exactly 1 at the last step, and the multiplier is minLrRatio + (1 − minLrRatio)·½(1 + cos πp).
 */
import type { ResolvedTraining } from '../../core/spec/resolve';

export type ScheduleSettings = Pick<ResolvedTraining, 'steps' | 'warmupSteps' | 'schedule' | 'minLrRatio'>;

/** Multiplier of the base learning rate at 1-based step `step`. */
export function lrMultiplier(step: number, t: ScheduleSettings): number {
  if (step <= t.warmupSteps) return step / t.warmupSteps;
  if (t.schedule === 'constant') return 1;
  const decaySteps = t.steps - t.warmupSteps;
  if (decaySteps <= 0) return 1;
  const progress = Math.min(1, (step - t.warmupSteps) / decaySteps);
  return t.minLrRatio + (1 - t.minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
