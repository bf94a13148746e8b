/** Training settings that are valid one by one but contradict each other. */
import * as S from '../../spec/schema';
import type { TrainingSpec } from '../../spec/schema';
import { nearestDivisor } from './numbers';
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
  const batch = effective(ctx, view.batchSize, ['training', 'batchSize'], defaults.batchSize.default as number);
  const micro = view.microBatchSize;
  if (batch !== undefined && typeof micro === 'number' && batch % micro !== 0) {
    // Accumulation runs batchSize / microBatchSize equal passes; a remainder would either drop sequences or
    // weight the last pass differently, so the engine refuses it and the file says so first.
    const d = nearestDivisor(batch, micro);
    ctx.r.error(
      'micro-batch-divides',
      ['training', 'microBatchSize'],
      `training.microBatchSize ${micro} does not divide training.batchSize ${batch}: each step runs batchSize / microBatchSize equal passes${d ? ` (e.g. ${d})` : ''}`,
      d ? [{ title: `Set microBatchSize to ${d}`, path: ['training', 'microBatchSize'], value: d }] : undefined,
    );
  }
  const schedule = effective(ctx, view.schedule, ['training', 'schedule'], defaults.schedule.default as 'constant');
  if (schedule === 'constant' && view.minLrRatio !== undefined) {
    ctx.r.warning(
      'option-ignored',
      ['training', 'minLrRatio'],
      'training.minLrRatio is only read by schedule "cosine"; with the constant schedule it has no effect',
    );
  }
  checkRuntime(view, ctx);
}

const cudaIndex = new RegExp(S.CUDA_INDEX_PATTERN);

/** training.device names a PyTorch device; the tfjs runtime has its own choice (training.backend) and ignores it. */
function checkRuntime(view: Loose<TrainingSpec>, ctx: Ctx): void {
  const device = view.device;
  if (typeof device === 'string' && device.startsWith('cuda:') && !cudaIndex.test(device)) {
    ctx.r.error(
      'enum',
      ['training', 'device'],
      `training.device "${device}" is not a device: use "cuda:N" with N the device index (e.g. "cuda:0"), or "auto", "cuda", "mps", "cpu"`,
    );
    return;
  }
  if (typeof device === 'string' && !cudaIndex.test(device) && !['auto', 'cuda', 'mps', 'cpu'].includes(device)) {
    ctx.r.error('enum', ['training', 'device'], `training.device "${device}" is not one of "auto", "cuda", "cuda:N", "mps", "cpu"`);
    return;
  }
  if (view.runtime !== 'tfjs') return;
  if (device !== undefined && device !== 'auto' && device !== 'cpu') {
    ctx.r.warning(
      'option-ignored',
      ['training', 'device'],
      `training.device "${device}" is a PyTorch device, and training.runtime "tfjs" ignores it: tfjs picks its device through training.backend`,
    );
  }
  if (view.precision === 'bf16') {
    ctx.r.warning(
      'option-ignored',
      ['training', 'precision'],
      'training.precision "bf16" is only read by the torch runtime; training.runtime "tfjs" always trains in float32',
    );
  }
}
