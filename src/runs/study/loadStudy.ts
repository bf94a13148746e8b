/**
 * Reading a study (src/core/study/study.ts) from disk: the runs of the given searches, or every run of a runs
 * folder. Each run's compute comes from its recorded resolved spec (core analyze(), as the search plan computes
 * it), its assignment and label from its search's plan, its curve from the evaluation records of metrics.jsonl.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze } from '../../core/analysis';
import { trainingFlopsPerStep } from '../../core/analysis/flops';
import { familyOfLayers, type StudyData, type StudyRun } from '../../core/study/study';
import { RunFiles, type RunSpecFile } from '../../protocol/run';
import { readRunSpec } from '../../runfolder/runFolder';
import { forEachMetric } from '../metrics';
import { RunManager } from '../manager';
import type { RunInfo } from '../store';
import { listSearchIds, readSearchFile, type SearchFile } from '../search/searchFolder';

export class StudyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudyError';
  }
}

/** The run's spec through the run folder's reader (which reads folders from before per-layer structures too). */
function specOf(run: RunInfo): RunSpecFile {
  try {
    return readRunSpec(run.dir);
  } catch (e) {
    throw new StudyError((e as Error).message);
  }
}

/** One run as the study sees it; `search` supplies its label and assignment when it belongs to one. */
export function studyRunOf(run: RunInfo, objective: string, search?: SearchFile): StudyRun {
  const { spec } = specOf(run);
  const a = analyze(spec);
  const planned = search && run.search ? search.plan.trials.find((t) => t.trial === run.search!.trial) : undefined;
  const curve: [number, number][] = [];
  forEachMetric(path.join(run.dir, RunFiles.metrics), (r) => {
    const value = (r as unknown as Record<string, unknown>)[objective];
    if (r.kind === 'eval' && typeof value === 'number' && Number.isFinite(value)) curve.push([r.flops, value]);
  });
  const last = curve.at(-1);
  return {
    id: run.id,
    label: planned?.label ?? run.name,
    family: familyOfLayers(spec.layers),
    state: run.state,
    assignment: planned?.assignment ?? {},
    macsPerToken: a.macs.perSequence / spec.model.seqLen,
    plannedFlops: trainingFlopsPerStep(spec) * spec.training.steps,
    rank: a.rank.scoring,
    params: a.params.total,
    curve,
    final: last ? { flops: last[0], value: last[1] } : null,
  };
}

/**
 * The study of `searchIds` in `runsDir` (every search there when the list is empty; every run when there is no
 * search). A search's runs at several ASHA rungs count once: the furthest rung, as its results table does.
 */
export function loadStudy(runsDir: string, searchIds: readonly string[] = [], objective?: string): StudyData {
  if (!fs.existsSync(runsDir)) throw new StudyError(`${runsDir}: no such runs folder`);
  const manager = new RunManager({ runsDir, queue: 'never' });
  const runs = manager.store.list();
  const ids = searchIds.length ? searchIds : listSearchIds(runsDir);
  if (ids.length === 0) {
    const metric = objective ?? 'val.loss';
    return { title: path.basename(runsDir), objective: metric, runs: runs.map((r) => studyRunOf(r, metric)) };
  }
  const searches = ids.map((id) => readSearchFile(runsDir, id));
  const metric = objective ?? searches[0]!.plan.objective;
  const out: StudyRun[] = [];
  for (const search of searches) {
    const furthest = new Map<number, RunInfo>();
    for (const r of runs) {
      if (r.search?.id !== search.id) continue;
      const seen = furthest.get(r.search.trial);
      if (!seen || seen.search!.rung < r.search.rung || (seen.search!.rung === r.search.rung && seen.createdAt < r.createdAt))
        furthest.set(r.search.trial, r);
    }
    for (const r of [...furthest.values()].sort((a, b) => a.search!.trial - b.search!.trial)) out.push(studyRunOf(r, metric, search));
  }
  return { title: searches.map((s) => s.plan.name).join(' + '), objective: metric, runs: out };
}
