/** Training settings that are valid one by one but contradict each other. */
import * as S from '../../spec/schema';
import type { TrainingSpec } from '../../spec/schema';
import { effective, isGiven, type Ctx, type Loose } from './view';

const defaults = S.Training.properties;

export function checkTraining(t: Loose<TrainingSpec> | undefined, ctx: Ctx): void {
  const view = t ?? {};
  const steps = effective(ctx, view.steps, ['training', 'steps'], defaults.steps.default as number);
  const warmup = effective(ctx, view.warmupSteps, ['training', 'warmupSteps'], defaults.warmupSteps.default as number);
  if (steps !== undefined && warmup !== undefined && warmup > steps) {
    const written = isGiven(ctx, ['training', 'warmupSteps']);
    ctx.r.warning(
      'warmup-exceeds-steps',
      ['training', written ? 'warmupSteps' : 'steps'],
      `training.warmupSteps ${warmup}${written ? '' : ' (the default)'} exceeds training.steps ${steps}: the learning rate is still rising when training stops, so it never reaches lr`,
    );
  }
  const schedule = effective(ctx, view.schedule, ['training', 'schedule'], defaults.schedule.default as 'constant');
  if (schedule === 'constant' && view.minLrRatio !== undefined) {
    ctx.r.warning('option-ignored', ['training', 'minLrRatio'], 'training.minLrRatio is only read by schedule "cosine"; with the constant schedule it has no effect');
  }
}
