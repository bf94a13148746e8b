/**
 * A search's results: one row per planned trial (its furthest rung, state, objective and compute) and the Pareto
 * fronts the brief asks for.
 *
 * Fronts (choice):
 * - compute vs loss: x = training FLOPs the trial consumed (its last record's cumulative `flops`, which a promoted
 *   run carries over from its earlier rungs), y = its objective at that record; both minimised, over trials with a
 *   finite objective. This is the "loss against compute" view of the paper's plots: a trial stopped early sits left.
 * - compute vs rank: x = forward MACs of one sequence (analyze() macs.perSequence, attention scores included, where
 *   structure changes the cost), y = scoring rank, maximised; over every planned trial, trained or not (it needs
 *   only the analysis, so the plan can show it too).
 */
import { paretoFront } from '../../core/pareto';
import type { RunState } from '../../protocol/run';
import type { RunStore } from '../store';
import type { PlannedTrial, SearchPlan } from './plan';
import type { SearchState } from './searchFolder';
import { objectiveOf, trialRuns } from './trialRuns';

export interface TrialResult {
  trial: number;
  label: string;
  planned: PlannedTrial;
  /** The run of the trial's furthest rung (null: not started). */
  runId: string | null;
  rung: number | null;
  state: RunState | 'unknown' | 'not started';
  step: number | null;
  objective: number | null;
  /** Training FLOPs consumed (last record). */
  flops: number | null;
}

export interface SearchResults {
  rows: TrialResult[];
  /** Trial numbers on the compute–loss front, cheapest first. */
  lossFront: number[];
  /** Trial numbers on the compute–rank front, cheapest first. */
  rankFront: number[];
}

export function searchResults(store: RunStore, searchId: string, plan: SearchPlan, state: SearchState): SearchResults {
  const runs = trialRuns(store, searchId, state);
  const rows = plan.trials.map((planned): TrialResult => {
    const rungs = runs.get(planned.trial);
    const furthest = rungs ? Math.max(...rungs.keys()) : null;
    const run = furthest !== null ? rungs!.get(furthest)! : null;
    const objective = run ? objectiveOf(run, plan.objective) : null;
    return {
      trial: planned.trial,
      label: planned.label,
      planned,
      runId: run?.id ?? null,
      rung: furthest,
      state: run ? run.state : 'not started',
      step: run?.status?.step ?? null,
      objective: objective?.value ?? null,
      flops: objective?.record.flops ?? null,
    };
  });
  const scored = rows.filter((r) => r.objective !== null && r.flops !== null && Number.isFinite(r.objective));
  const lossFront = paretoFront(
    scored.map((r) => [r.flops!, r.objective!] as const),
    { x: 'min', y: 'min' },
  ).map((i) => scored[i]!.trial);
  return { rows, lossFront, rankFront: rankFront(plan.trials) };
}

/** Trials on the compute–rank front (by analysis alone). */
export function rankFront(trials: readonly PlannedTrial[]): number[] {
  return paretoFront(
    trials.map((t) => [t.analysis.macsPerSequence, t.analysis.rank.scoring] as const),
    { x: 'min', y: 'max' },
  ).map((i) => trials[i]!.trial);
}
