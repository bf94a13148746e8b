/**
 * A search as text: the plan before anything launches, the results table with its Pareto fronts, and one line per
 * controller event. `mlbtc search` prints them; the editor shows them in its output channel and documents.
 */
import { exactCount, plural, shortCount, textTable } from '../../core/format';
import { controllerOwnerOf, type SearchEvent } from './controller';
import type { SearchControl } from './searchControl';
import type { SearchPlan } from './plan';
import { rankFront, type SearchResults } from './results';

const short = (n: number) => (n >= 1000 ? shortCount(n) : exactCount(n));
const objectiveText = (v: number | null) =>
  v === null ? '' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toFixed(4) : v.toExponential(3);

export function formatPlan(plan: SearchPlan): string {
  const lines: string[] = [];
  const head = `Search "${plan.name}": ${plan.strategy}, seed ${plan.seed}, minimising ${plan.objective}`;
  lines.push(
    head,
    `${plural(plan.trials.length, 'trial')} from ${plural(plan.considered, 'candidate')} (${plan.rejected.length} rejected)`,
  );
  if (plan.asha)
    lines.push(`Rungs (${plan.asha.unit}): ${plan.asha.budgets.map(exactCount).join(' → ')}, keeping 1/${plan.asha.eta} at each`);
  lines.push('');
  if (plan.trials.length) {
    const front = new Set(rankFront(plan.trials));
    lines.push(
      textTable(
        ['#', 'CANDIDATE', 'RANK', 'PARAMS', 'MACS/TOKEN', 'MACS/SEQ', 'STEPS', 'TRAIN FLOPS'],
        plan.trials.map((t) => [
          String(t.trial),
          t.label,
          `${t.analysis.rank.scoring}/${t.analysis.rank.max}${t.analysis.rank.space === 'sequence' ? ' seq' : ''}${front.has(t.trial) ? ' *' : '  '}`,
          short(t.analysis.params),
          short(t.analysis.macsPerToken),
          short(t.analysis.macsPerSequence),
          exactCount(t.spec.training.steps),
          shortCount(t.analysis.flopsPerStep * t.spec.training.steps),
        ]),
        new Set([0, 3, 4, 5, 6, 7]),
      ),
      '* on the compute–rank Pareto front (least MACs per sequence for the rank)',
    );
  }
  if (plan.rejected.length) {
    lines.push('', 'Rejected:');
    for (const r of plan.rejected.slice(0, 50)) lines.push(`  ${r.label || '(no values)'}: ${r.reason}`);
    if (plan.rejected.length > 50) lines.push(`  … and ${plan.rejected.length - 50} more`);
  }
  lines.push(
    '',
    plan.asha
      ? `Total compute: ${shortCount(plan.compute.expectedFlops)}FLOPs expected with ASHA (at most ${shortCount(plan.compute.maxFlops)}FLOPs if every trial reached the last rung)`
      : `Total compute: ${shortCount(plan.compute.maxFlops)}FLOPs of training`,
  );
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

/** `progress`: where the search stands, e.g. "finished" or describeControl's words. */
export function formatResults(id: string, plan: SearchPlan, results: SearchResults, progress: string): string {
  const lines = [`Search ${id} (${plan.strategy}, ${plan.objective}): ${progress}`, ''];
  const lossFront = new Set(results.lossFront);
  lines.push(
    textTable(
      ['#', 'CANDIDATE', 'RUNG', 'STATE', 'STEP', plan.objective.toUpperCase(), 'TRAIN FLOPS', 'RANK', 'RUN'],
      results.rows.map((r) => [
        String(r.trial),
        r.label,
        r.rung === null ? '' : String(r.rung),
        r.state,
        r.step === null ? '' : exactCount(r.step),
        `${objectiveText(r.objective)}${lossFront.has(r.trial) ? ' *' : '  '}`,
        r.flops === null ? '' : shortCount(r.flops),
        `${r.planned.analysis.rank.scoring}/${r.planned.analysis.rank.max}`,
        r.runId ?? '',
      ]),
      new Set([0, 2, 4, 5, 6]),
    ),
    `* on the compute–${plan.objective} Pareto front`,
  );
  const byTrial = new Map(results.rows.map((r) => [r.trial, r]));
  lines.push('', `Pareto front, compute vs ${plan.objective} (training FLOPs spent, lower ${plan.objective}):`);
  if (results.lossFront.length === 0) lines.push('  (no trial has a result yet)');
  for (const t of results.lossFront) {
    const r = byTrial.get(t)!;
    lines.push(`  #${t}  ${shortCount(r.flops!)}FLOPs  ${plan.objective} ${objectiveText(r.objective)}  ${r.label}`);
  }
  lines.push('', 'Pareto front, compute vs rank (forward MACs per sequence, higher scoring rank):');
  for (const t of results.rankFront) {
    const r = byTrial.get(t)!;
    lines.push(
      `  #${t}  ${shortCount(r.planned.analysis.macsPerSequence)}MACs  rank ${r.planned.analysis.rank.scoring}/${r.planned.analysis.rank.max}  ${r.label}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** One line per search event, for the CLI's output and the editor's output channel. */
export function describeSearchEvent(e: SearchEvent, plan: SearchPlan): string {
  const rung = (k: number) => (plan.asha ? ` rung ${k} (${exactCount(plan.asha.budgets[k]!)} ${plan.asha.unit})` : '');
  switch (e.type) {
    case 'launched':
      return `trial ${e.trial}${rung(e.rung)}: ${e.promoted ? 'promoted' : 'queued'} as ${e.runId}`;
    case 'resumed':
      return `trial ${e.trial}${rung(e.rung)}: resuming ${e.runId} from its last checkpoint`;
    case 'ended':
      return `trial ${e.trial}${rung(e.rung)}: ${e.state}${e.objective !== null ? `, ${plan.objective} ${objectiveText(e.objective)}` : ''}`;
    case 'finished':
      return 'search finished';
  }
}

/** Who drives a search, for the CLI: "driven by VS Code window (pid 4711) on laptop", "stopped", …. */
export function describeControl(control: SearchControl, id: string): string {
  switch (control.kind) {
    case 'driven':
      return control.by ? `driven by ${controllerOwnerOf(control.by)} (pid ${control.by.pid} on ${control.by.hostname})` : 'driven';
    case 'finished':
      return 'finished';
    case 'stopped':
      return `stopped; \`mlbtc resume ${id}\` continues it`;
    case 'orphaned':
      return `without a controller; \`mlbtc resume ${id}\`, or an editor window on this folder, continues it`;
  }
}
