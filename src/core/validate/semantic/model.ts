/** Rules tying the model's sizes together and to the task. */
import * as S from '../../spec/schema';
import type { ModelSpec, TaskSpec } from '../../spec/schema';
import type { Fix } from '../types';
import { nearestDivisor, sum } from './numbers';
import { effective, type Ctx, type Loose } from './view';

/** The model sizes later rules need; a size is absent when it is invalid or contradicts another. */
export interface Shape {
  width?: number;
  heads?: number;
  /** Per-head dimension r, only when it agrees with width / heads. */
  headDim?: number;
  seqLen?: number;
  /** Whether model.headDim is written in the file (a change of heads must then keep heads × headDim = width). */
  headDimGiven: boolean;
}

export function checkModel(m: Loose<ModelSpec> | undefined, ctx: Ctx): Shape {
  const headDimGiven = m?.headDim !== undefined;
  if (!m) return { headDimGiven };
  const { width, heads, headDim, seqLen } = m;
  if (width === undefined || heads === undefined) return { width, heads, headDim, seqLen, headDimGiven };

  if (headDim !== undefined) {
    if (heads * headDim === width) return { width, heads, headDim, seqLen, headDimGiven };
    const fixes: Fix[] = [];
    if (width % heads === 0)
      fixes.push({ title: `Set headDim to width / heads = ${width / heads}`, path: ['model', 'headDim'], value: width / heads });
    if (width % headDim === 0)
      fixes.push({ title: `Set heads to width / headDim = ${width / headDim}`, path: ['model', 'heads'], value: width / headDim });
    const right =
      width % heads === 0
        ? `headDim must be width / heads = ${width / heads}`
        : `width ${width} is not divisible by ${heads} heads, so no headDim fits`;
    ctx.r.error(
      'head-dim',
      ['model', 'headDim'],
      `model.heads × model.headDim = ${heads} × ${headDim} = ${heads * headDim}, but model.width is ${width}; ${right}`,
      fixes,
    );
    return { width, heads, seqLen, headDimGiven };
  }
  if (width % heads === 0) return { width, heads, headDim: width / heads, seqLen, headDimGiven };
  const d = nearestDivisor(width, heads);
  ctx.r.error(
    'head-dim',
    ['model', 'heads'],
    `model.width ${width} is not divisible by model.heads ${heads}: every head gets width / heads dimensions, so heads must divide the width${d ? ` (e.g. ${d})` : ''}`,
    d ? [{ title: `Set heads to ${d}`, path: ['model', 'heads'], value: d }] : undefined,
  );
  return { width, heads, seqLen, headDimGiven };
}

export function checkTask(t: Loose<TaskSpec> | undefined, shape: Shape, ctx: Ctx): void {
  if (!t) return;
  const T = shape.seqLen;
  switch (t.kind) {
    case 'icl-regression': {
      const d = t.inputDim;
      if (d === undefined) return;
      if (T !== undefined && T !== 4 * d) {
        const fixes: Fix[] = [{ title: `Set seqLen to 4 × inputDim = ${4 * d}`, path: ['model', 'seqLen'], value: 4 * d }];
        if (T % 4 === 0) fixes.push({ title: `Set inputDim to seqLen / 4 = ${T / 4}`, path: ['task', 'inputDim'], value: T / 4 });
        ctx.r.error(
          'icl-seq-len',
          ['model', 'seqLen'],
          `model.seqLen must be 4 × task.inputDim = ${4 * d} for in-context regression (a prompt of ${2 * d} (x, y) pairs is ${4 * d} tokens); got ${T}`,
          fixes,
        );
      }
      const c = t.curriculum;
      const limits = [
        ['startDims', c?.startDims, d, 'inputDim'],
        ['startPoints', c?.startPoints, 2 * d, '2 × inputDim'],
      ] as const;
      for (const [key, start, full, fullName] of limits) {
        if (start === undefined || start <= full) continue;
        const path = ['task', 'curriculum', key];
        ctx.r.warning(
          'curriculum-start',
          path,
          `task.curriculum.${key} ${start} is above its final value ${fullName} = ${full}; the curriculum clamps it, so there is nothing to ramp up (use at most ${full})`,
          [{ title: `Set ${key} to ${full}`, path, value: full }],
        );
      }
      return;
    }
    case 'forecast': {
      const { lookback, horizon } = t;
      if (lookback !== undefined && horizon !== undefined && T !== undefined && T !== lookback + horizon) {
        const fixes: Fix[] = [
          { title: `Set seqLen to lookback + horizon = ${lookback + horizon}`, path: ['model', 'seqLen'], value: lookback + horizon },
        ];
        if (T - horizon >= 1)
          fixes.push({ title: `Set lookback to seqLen − horizon = ${T - horizon}`, path: ['task', 'lookback'], value: T - horizon });
        ctx.r.error(
          'forecast-seq-len',
          ['model', 'seqLen'],
          `model.seqLen must be task.lookback + task.horizon = ${lookback} + ${horizon} = ${lookback + horizon} (the model reads the history and one placeholder per forecast step); got ${T}`,
          fixes,
        );
      }
      const features = effective(ctx, t.features, ['task', 'features'], S.ForecastTask.properties.features.default as 'S' | 'M');
      if (features === 'S' && t.channels !== undefined && t.channels !== 1) {
        ctx.r.error(
          'forecast-channels',
          ['task', 'channels'],
          `task.channels must be 1 when features is "S" (univariate: only the target column is read); got ${t.channels}`,
          [{ title: 'Set channels to 1', path: ['task', 'channels'], value: 1 }],
        );
      }
      if (Array.isArray(t.split)) {
        const total = sum(t.split);
        // A rounding tolerance: [0.7, 0.2, 0.1] sums to 1.0000000000000002 in floating point.
        if (total > 1 + 1e-9) {
          ctx.r.error(
            'split-sum',
            ['task', 'split'],
            `task.split fractions [${t.split.join(', ')}] sum to ${+total.toFixed(6)}; train, validation and test are disjoint parts of the series, so they must sum to at most 1`,
          );
        }
      }
      return;
    }
    default:
      return;
  }
}
