/**
 * Search candidates as trade-off points: a structure file's `search` block planned exactly as `mlbtc search --plan`
 * and MLBTC: Start Search plan it (src/runs/search/plan.ts: every candidate generated, validated, analysed and
 * checked against search.constraints), one point per planned trial. Candidates the plan rejects are not plotted:
 * they are invalid or over budget, and the plan is what would train.
 *
 * Planning is the costly part of the panel's update (a 5,000-candidate grid takes about half a second to a second;
 * bench/tradeoffs.bench.ts), so the panel keeps each file's result while its text is unchanged.
 */
import type { StructureSpec } from '../../../core/spec/schema';
import type { SkippedFile, TradeoffPoint } from '../../../protocol/webview';
import { planSearch, SearchPlanError, type SearchPlan } from '../../../runs/search/plan';
import { tradeoffPoint } from './points';

/** A structure file as the panel names it: its URI, its workspace-relative path (labels), its base name (skipped). */
export interface StructureFile {
  uri: string;
  label: string;
  fileName: string;
}

export interface CandidatePoints {
  points: TradeoffPoint[];
  /** At most one entry: why the file's search adds no point. */
  skipped: SkippedFile[];
}

const NONE: CandidatePoints = { points: [], skipped: [] };

/** Unique among all points: a file's own point has the file URI as its id, a run's is "run:<id>". */
export const candidateId = (fileUri: string, trial: number): string => `candidate:${fileUri}#${trial}`;

/** "examples/icl.mlbtc.json · attention.ranks=[2,1,1,4] training.lr=0.01": the file, then the trial's assignment. */
export const candidateLabel = (fileLabel: string, trialLabel: string): string => `${fileLabel} · ${trialLabel}`;

/** One point per planned trial, in trial order; clicking one opens the file whose search planned it. */
export function planPoints(file: StructureFile, plan: SearchPlan): TradeoffPoint[] {
  return plan.trials.map((t) =>
    tradeoffPoint(candidateId(file.uri, t.trial), candidateLabel(file.label, t.label), 'candidate', file.uri, t.analysis, t.spec.task.kind),
  );
}

/**
 * The candidate points of a valid structure file (`raw` is its parsed text): none without a `search` block; a
 * skipped entry naming the reason when the search cannot be planned or plans no trial (every candidate rejected),
 * since either way the user wrote a search and sees none of it.
 */
export function searchPoints(file: StructureFile, raw: StructureSpec): CandidatePoints {
  if (raw.search === undefined) return NONE;
  let plan: SearchPlan;
  try {
    plan = planSearch(raw);
  } catch (e) {
    const reason =
      e instanceof SearchPlanError
        ? `search cannot be planned: ${e.message}`
        : `search planning failed: ${e instanceof Error ? e.message : String(e)} (a bug in MLBTC Studio, not in the file: please report it with the file attached)`;
    return { points: [], skipped: [{ uri: file.uri, fileName: file.fileName, reason }] };
  }
  if (plan.trials.length === 0) {
    const first = plan.rejected[0];
    const why = first ? ` (the first, ${first.label}: ${first.reason})` : '';
    const reason = `search plans no candidate: all ${plan.considered} are invalid or outside search.constraints${why}`;
    return { points: [], skipped: [{ uri: file.uri, fileName: file.fileName, reason }] };
  }
  return { points: planPoints(file, plan), skipped: [] };
}

/** Each file's candidate points, recomputed only when its text (or its label) changes. */
export class CandidatePointsCache {
  private readonly byUri = new Map<string, { key: string; result: CandidatePoints }>();

  of(file: StructureFile, text: string, compute: () => CandidatePoints): CandidatePoints {
    const key = `${file.label}\n${text}`;
    const cached = this.byUri.get(file.uri);
    if (cached?.key === key) return cached.result;
    const result = compute();
    this.byUri.set(file.uri, { key, result });
    return result;
  }

  /** Drops files that are gone (deleted, or no longer valid), so the cache holds at most the workspace's files. */
  keepOnly(uris: ReadonlySet<string>): void {
    for (const uri of this.byUri.keys()) if (!uris.has(uri)) this.byUri.delete(uri);
  }
}
