/**
 * Which run stands for each trial at each rung: the newest run tagged with the search, trial and rung (a retried
 * trial is a newer run with the same tag), or the run state.json names when the index has lost the tag.
 */
import type { MetricRecord } from '../../protocol/run';
import { RunFiles } from '../../protocol/run';
import * as path from 'node:path';
import { lastMetric } from '../metrics';
import type { RunInfo, RunStore } from '../store';
import type { SearchState } from './searchFolder';

/** trial → rung → run */
export type TrialRunMap = Map<number, Map<number, RunInfo>>;

export function trialRuns(store: RunStore, searchId: string, state: SearchState, runs: readonly RunInfo[] = store.list()): TrialRunMap {
  const map: TrialRunMap = new Map();
  const put = (trial: number, rung: number, run: RunInfo) => {
    const rungs = map.get(trial) ?? new Map<number, RunInfo>();
    const current = rungs.get(rung);
    if (!current || current.createdAt < run.createdAt || (current.createdAt === run.createdAt && current.id < run.id)) rungs.set(rung, run);
    map.set(trial, rungs);
  };
  const byId = new Map(runs.map((r) => [r.id, r]));
  for (const t of state.trials) {
    for (const { rung, runId } of t.runs) {
      const run = byId.get(runId);
      if (run) put(t.trial, rung, run);
    }
  }
  for (const run of runs) if (run.search?.id === searchId) put(run.search.trial, run.search.rung, run);
  return map;
}

/** The objective of a run: `key` in its last record that has it ("loss" is the training loss). */
export function objectiveOf(run: RunInfo, key: string): { value: number; record: MetricRecord } | null {
  const record = lastMetric(
    path.join(run.dir, RunFiles.metrics),
    (r) => typeof (r as unknown as Record<string, unknown>)[key] === 'number',
  );
  return record ? { value: (record as unknown as Record<string, number>)[key]!, record } : null;
}
