/**
 * The values each search trial varied, as short text ("ranks 16|8|4|4 · lr 3e-3"), read once per search from its
 * search.json (written when the search is created and never changed after, so it is cached for the window's life).
 */
import * as path from 'node:path';
import { readSearchFile } from '../../runs/search/searchFolder';
import type { Assignment } from '../../runs/search/space';
import { trialParams } from '../../runs/search/trialLabel';
import type { RunInfo } from '../../runs/store';

export interface TrialDescription {
  /** Short: the label's part. */
  params: string;
  /** Every varied value under its full key, for the tooltip. */
  assignment: Assignment;
}

export class TrialParams {
  /** By "<runs directory>\0<search id>": each trial's description, or null when the search file cannot be read. */
  private readonly searches = new Map<string, Map<number, TrialDescription> | null>();

  of(run: RunInfo): TrialDescription | undefined {
    if (!run.search) return undefined;
    const root = path.dirname(run.dir);
    const key = `${root}\0${run.search.id}`;
    let trials = this.searches.get(key);
    if (trials === undefined) {
      try {
        const plan = readSearchFile(root, run.search.id).plan;
        trials = new Map(plan.trials.map((t) => [t.trial, { params: trialParams(t.assignment), assignment: t.assignment }]));
      } catch {
        trials = null; // a search folder deleted or unreadable: the trial keeps its number only
      }
      this.searches.set(key, trials);
    }
    return trials?.get(run.search.trial);
  }
}
