/**
 * The confirmation of a search plan, in a few lines: how many trials, how much compute, what was rejected. The full
 * plan (every trial's analysis) goes to the output channel in the CLI's format (formatPlan). Pure.
 */
import { exactCount, shortCount } from '../../core/format';
import type { SearchPlan } from '../../runs/search/plan';

export interface PlanSummary {
  message: string;
  detail: string;
}

const plural = (n: number, word: string) => `${exactCount(n)} ${word}${n === 1 ? '' : 's'}`;

/** `wallTime`: the plan's wall-time line (runs/search/wallTime.ts), measured in the runs directory it will train in. */
export function planSummary(plan: SearchPlan, concurrent: number, wallTime: string): PlanSummary {
  const compute = plan.asha
    ? `about ${shortCount(plan.compute.expectedFlops)}FLOPs expected with ASHA (at most ${shortCount(plan.compute.maxFlops)}FLOPs)`
    : `${shortCount(plan.compute.maxFlops)}FLOPs of training`;
  const message = `Start search "${plan.name}": ${plural(plan.trials.length, 'trial')} (${plan.strategy}), ${compute}?`;
  const lines = [
    `${plural(plan.trials.length, 'trial')} from ${plural(plan.considered, 'candidate')}${plan.rejected.length ? `; ${exactCount(plan.rejected.length)} rejected (first: ${plan.rejected[0]!.label || 'no values'}: ${plan.rejected[0]!.reason})` : ''}.`,
    ...(plan.asha
      ? [`Rungs of ${plan.asha.budgets.map(exactCount).join(' → ')} ${plan.asha.unit}, keeping the best 1/${plan.asha.eta} at each.`]
      : []),
    `Minimising ${plan.objective}; ${plural(concurrent, 'trial')} at a time, each a run in the Experiments view.`,
    `${wallTime}.`,
    ...plan.warnings.map((w) => `Warning: ${w}.`),
    'The whole plan is in the "MLBTC Studio" output.',
  ];
  return { message, detail: lines.join('\n') };
}
