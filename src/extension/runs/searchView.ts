/**
 * What the search view shows of one search: every planned trial with its parameters, compute, objective and state
 * (searchResults, the table `mlbtc search status` prints), and the best trial. No vscode: unit-tested on real
 * search folders.
 */
import { searchControlHere } from './searchControlText';
import type { SearchTrialRow, SearchViewModel } from '../../protocol/webview';
import type { SearchFile } from '../../runs/search/searchFolder';
import { readSearchFile, readSearchState } from '../../runs/search/searchFolder';
import { searchResults, type SearchResults } from '../../runs/search/results';
import { shortKeys, shortValue, trialParams } from '../../runs/search/trialLabel';
import { RunStore } from '../../runs/store';
import type { SearchRef } from './searchDriver';

/** The lowest objective; a tie goes to the trial that used less compute. Null before any trial has an objective. */
export function bestTrial(rows: readonly Pick<SearchTrialRow, 'trial' | 'objective' | 'flops'>[]): number | null {
  let best: (typeof rows)[number] | undefined;
  for (const r of rows) {
    if (r.objective === null || !Number.isFinite(r.objective)) continue;
    if (!best || r.objective < best.objective! || (r.objective === best.objective && (r.flops ?? Infinity) < (best.flops ?? Infinity)))
      best = r;
  }
  return best?.trial ?? null;
}

/** A varied value for the chart: numbers stay numbers (an axis), anything else becomes its short text (a category). */
function chartValue(v: unknown): number | string {
  return typeof v === 'number' ? v : shortValue(v);
}

export function toSearchViewModel(
  ref: SearchRef,
  file: SearchFile,
  results: SearchResults,
  finished: boolean,
  control: string,
): SearchViewModel {
  const plan = file.plan;
  const keys = plan.trials[0] ? Object.keys(plan.trials[0].assignment) : [];
  const short = shortKeys(keys);
  const trials = results.rows.map((r): SearchTrialRow => ({
    trial: r.trial,
    params: trialParams(r.planned.assignment),
    values: Object.fromEntries(keys.map((k) => [k, chartValue(r.planned.assignment[k])])),
    runId: r.runId,
    rung: r.rung,
    state: r.state,
    step: r.step,
    flops: r.flops,
    plannedFlops: r.planned.analysis.flopsPerStep * r.planned.spec.training.steps,
    objective: r.objective,
  }));
  return {
    id: ref.id,
    root: ref.root,
    name: plan.name,
    strategy: plan.strategy,
    objective: plan.objective,
    finished,
    control,
    dimensions: keys.map((key) => ({ key, label: short.get(key) ?? key })),
    trials,
    best: bestTrial(trials),
  };
}

/** Read a search folder and its trials' runs now. Throws SearchNotFoundError when the folder is gone. */
export function readSearchView(ref: SearchRef, drivenHere: boolean): SearchViewModel {
  const file = readSearchFile(ref.root, ref.id);
  const state = readSearchState(ref.root, ref.id);
  const results = searchResults(new RunStore(ref.root), ref.id, file.plan, state);
  return toSearchViewModel(ref, file, results, state.finishedAt !== null, searchControlHere(ref, drivenHere).text);
}
