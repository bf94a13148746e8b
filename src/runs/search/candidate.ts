/**
 * Judging one candidate before anything trains: validation (the same rules as the editor, so an invalid candidate
 * is planned out with the validator's own message and path), then core analyze() for the search constraints and
 * the compute estimate.
 */
import { analyze } from '../../core/analysis';
import type { ResolvedSpec } from '../../core/spec/resolve';
import type { SearchSpec } from '../../core/spec/schema';
import { formatPath, validate } from '../../core/validate';
import { trainingFlopsPerStep } from '../../core/analysis/flops';

/** What the plan and the results show of a candidate's analysis. */
export interface CandidateAnalysis {
  params: number;
  macsPerToken: number;
  macsPerSequence: number;
  /** Attention-score MACs of one sequence over every head and layer. */
  scoreMacsPerSequence: number;
  rank: { scoring: number; max: number; space: 'features' | 'sequence'; upperBound?: true };
  /** Training FLOPs of one optimiser step (the rule of src/engine/train/flops.ts). */
  flopsPerStep: number;
}

export type Judgement = { ok: true; spec: ResolvedSpec; analysis: CandidateAnalysis } | { ok: false; reason: string };

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 3 });

export function judgeCandidate(value: unknown, constraints: SearchSpec['constraints']): Judgement {
  const result = validate(value);
  if (!result.spec) {
    const first = result.problems.find((p) => p.severity === 'error')!;
    return { ok: false, reason: `${formatPath(first.path)}: ${first.message}` };
  }
  const spec = result.spec;
  const a = analyze(spec);
  const analysis: CandidateAnalysis = {
    params: a.params.total,
    macsPerToken: a.macs.perToken,
    macsPerSequence: a.macs.perSequence,
    scoreMacsPerSequence: a.layers.reduce((n, l) => n + l.layers.length * l.macs.scoresAllHeads, 0),
    rank: a.rank,
    flopsPerStep: trainingFlopsPerStep(spec),
  };
  const c = constraints ?? {};
  const over = (value: number, limit: number | undefined, what: string, field: string) =>
    limit !== undefined && value > limit
      ? `${what} ${fmt(value)} exceed${what.endsWith('s') ? '' : 's'} search.constraints.${field} ${fmt(limit)}`
      : null;
  const broken =
    over(analysis.macsPerToken, c.maxMacsPerToken, 'MACs per token', 'maxMacsPerToken') ??
    over(analysis.macsPerSequence, c.maxMacsPerSequence, 'MACs per sequence', 'maxMacsPerSequence') ??
    over(analysis.scoreMacsPerSequence, c.maxScoreMacsPerSequence, 'score MACs per sequence', 'maxScoreMacsPerSequence') ??
    over(analysis.params, c.maxParams, 'parameters', 'maxParams') ??
    (c.minRank !== undefined && analysis.rank.scoring < c.minRank
      ? `scoring rank ${analysis.rank.scoring} is below search.constraints.minRank ${c.minRank}`
      : null);
  return broken ? { ok: false, reason: broken } : { ok: true, spec, analysis };
}
