/**
 * Planning a search before anything launches: the candidates (grid or seeded draws), each judged (validation,
 * constraints, analysis), the ASHA rungs, and the total compute. The plan is what `mlbtc search FILE --plan` prints
 * and what a search folder records, so a restarted controller trains exactly the planned trials.
 */
import { Rng } from '../../core/random';
import type { ResolvedSpec } from '../../core/spec/resolve';
import type { SearchSpec, StructureSpec } from '../../core/spec/schema';
import { judgeCandidate, type CandidateAnalysis } from './candidate';
import { assignmentLabel, baseOf, dimensionsOf, drawCandidate, gridCandidates, SearchSpaceError, type Assignment } from './space';

/** Grid searches larger than this are refused at planning time (each candidate is validated and analysed). */
export const MAX_CANDIDATES = 5_000;

export interface PlannedTrial {
  trial: number;
  assignment: Assignment;
  label: string;
  /** The trial's spec; for ASHA its training.steps is the last rung's (each rung's run sets its own). */
  spec: ResolvedSpec;
  analysis: CandidateAnalysis;
}

export interface RejectedCandidate {
  assignment: Assignment;
  label: string;
  reason: string;
}

export interface AshaPlan {
  unit: 'steps' | 'tokens';
  eta: number;
  /** Budget of each rung in `unit`, increasing; the last is maxBudget. */
  budgets: number[];
}

export interface SearchPlan {
  name: string;
  strategy: SearchSpec['strategy'];
  seed: number;
  objective: string;
  trials: PlannedTrial[];
  rejected: RejectedCandidate[];
  /** Candidates generated (grid) or drawn (random, asha), accepted or not; duplicates of a draw are not counted. */
  considered: number;
  asha: AshaPlan | null;
  maxConcurrent: number | null;
  compute: {
    /** Training FLOPs if every trial trains its whole budget (for ASHA: every trial to the last rung). */
    maxFlops: number;
    /** ASHA: the FLOPs when 1/eta of each rung continues (an estimate with the trials' mean cost per step). */
    expectedFlops: number;
  };
  warnings: string[];
}

export class SearchPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchPlanError';
  }
}

/** Rungs minBudget·eta^k below maxBudget, then maxBudget: 20, 60, 180 for (20, 180, 3); 20, 60, 100 for (20, 100, 3). */
export function ashaBudgets(minBudget: number, maxBudget: number, eta: number): number[] {
  const budgets: number[] = [];
  for (let b = minBudget; b < maxBudget; b *= eta) budgets.push(b);
  budgets.push(maxBudget);
  return budgets;
}

/**
 * Steps a trial trains to reach `budget`. Tokens are converted at batchSize · seqLen per step: the full sequences
 * each step trains (an ICL curriculum counts shorter prompts as fewer tokens, so such trials see somewhat fewer).
 */
export function budgetSteps(spec: ResolvedSpec, budget: number, unit: AshaPlan['unit']): number {
  return unit === 'steps' ? budget : Math.max(1, Math.ceil(budget / (spec.training.batchSize * spec.model.seqLen)));
}

/** Plan the search of a valid spec file (its `search` block must be present). */
export function planSearch(raw: StructureSpec): SearchPlan {
  const search = raw.search;
  if (!search) throw new SearchPlanError(`${raw.name} has no "search" block: add one with a "space" of the fields to vary`);
  const strategy = search.strategy ?? 'grid';
  const seed = search.seed ?? 0;
  const dims = dimensionsOf(search);
  if (dims.length === 0)
    throw new SearchPlanError('search.space is empty: name at least one field to vary, e.g. "training.lr": { "logUniform": [1e-4, 1e-2] }');
  const base = baseOf(raw);
  const warnings: string[] = [];
  const trials: PlannedTrial[] = [];
  const rejected: RejectedCandidate[] = [];
  const consider = (c: ReturnType<typeof drawCandidate>) => {
    const label = assignmentLabel(c.assignment);
    if ('reason' in c) return void rejected.push({ assignment: c.assignment, label, reason: c.reason });
    const j = judgeCandidate(c.value, search.constraints);
    if (!j.ok) return void rejected.push({ assignment: c.assignment, label, reason: j.reason });
    trials.push({ trial: trials.length, assignment: c.assignment, label, spec: j.spec, analysis: j.analysis });
  };

  let considered = 0;
  if (strategy === 'grid' || search.trials === undefined) {
    let candidates;
    try {
      candidates = gridCandidates(base, dims, MAX_CANDIDATES);
    } catch (e) {
      if (e instanceof SearchSpaceError) throw new SearchPlanError(e.message);
      throw e;
    }
    candidates.forEach(consider);
    considered = candidates.length;
  } else {
    const rng = new Rng(seed);
    const seen = new Set<string>();
    const maxDraws = Math.max(100, 50 * search.trials);
    let draws = 0;
    while (trials.length < search.trials && draws < maxDraws) {
      draws++;
      const c = drawCandidate(base, dims, rng);
      const key = JSON.stringify(c.assignment);
      if (seen.has(key)) continue;
      seen.add(key);
      considered++;
      consider(c);
    }
    if (trials.length < search.trials) {
      warnings.push(
        `only ${trials.length} of the ${search.trials} trials asked for were found in ${draws} draws (${rejected.length} candidates were invalid or over budget, the rest repeats)`,
      );
    }
  }

  let asha: AshaPlan | null = null;
  let maxFlops = 0;
  let expectedFlops = 0;
  if (strategy === 'asha') {
    const a = search.asha!;
    asha = { unit: a.unit ?? 'steps', eta: a.eta ?? 3, budgets: ashaBudgets(a.minBudget, a.maxBudget, a.eta ?? 3) };
    const last = asha.budgets.at(-1)!;
    for (const t of trials) t.spec = withSteps(t.spec, budgetSteps(t.spec, last, asha.unit));
    maxFlops = trials.reduce((n, t) => n + t.analysis.flopsPerStep * t.spec.training.steps, 0);
    const meanFlopsPerStep = trials.length ? trials.reduce((n, t) => n + t.analysis.flopsPerStep, 0) / trials.length : 0;
    const meanSteps = (budget: number) =>
      trials.length ? trials.reduce((n, t) => n + budgetSteps(t.spec, budget, asha!.unit), 0) / trials.length : 0;
    let previous = 0;
    asha.budgets.forEach((budget, k) => {
      const reaching = Math.floor(trials.length / asha!.eta ** k);
      const steps = meanSteps(budget);
      expectedFlops += reaching * (steps - previous) * meanFlopsPerStep;
      previous = steps;
    });
    if (trials.length < asha.eta)
      warnings.push(`with ${trials.length} trials and eta ${asha.eta}, no trial is ever promoted past the first rung`);
    if (trials.some((t) => t.spec.training.schedule === 'cosine')) {
      warnings.push(
        'training.schedule is "cosine": each rung decays over its own budget, so a promoted trial does not follow the schedule of one long run ("constant" continues exactly)',
      );
    }
  } else {
    maxFlops = trials.reduce((n, t) => n + t.analysis.flopsPerStep * t.spec.training.steps, 0);
    expectedFlops = maxFlops;
  }
  if (trials.length === 0) warnings.push('no candidate is valid and within the constraints: nothing would train');

  return {
    name: raw.name,
    strategy,
    seed,
    objective: search.objective ?? 'val.loss',
    trials,
    rejected,
    considered,
    asha,
    maxConcurrent: search.maxConcurrent ?? null,
    compute: { maxFlops, expectedFlops },
    warnings,
  };
}

export function withSteps(spec: ResolvedSpec, steps: number): ResolvedSpec {
  return { ...spec, training: { ...spec.training, steps } };
}
