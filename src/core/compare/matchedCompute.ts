/**
 * Matched-compute family sets ("MLBTC: Compare Families", `mlbtc compare`): from one spec file's task and model,
 * one structure per attention family that fits the task, each sized to a compute budget, so a researcher can run
 * the paper's comparison on their own task.
 *
 * Choices (docs/choices.md, "Compare Families"):
 * - Families per task: in-context regression compares the feature-space families of §5.1 (dense, bilinear-btt,
 *   bilinear-mlr); the sequence tasks (language model, forecast) compare the sequence-space families of §5.2
 *   (dense, mlr, sliding-window, global-local).
 * - The knob is the head size h (model.width = heads · h, the file's heads, layers, seqLen and training kept):
 *   every family is scaled the way the paper scales its models, by width. Dense gets head rank r = h (its qkDim is
 *   dropped), which is "dense at the matching head rank".
 * - Each family's attention is derived from h and T: mlr ranks ≈ h/2|h/4|h/8|h/8 (levelRanks) over dyadic blocks
 *   (coverage-normalised, as the paper's LM runs); bilinear-mlr the same four ranks; bilinear-btt rank 1;
 *   sliding-window w = T/4; global-local a global and a local half of h over w = T/4.
 * - Compute is measured by core analyze(): "macs" is the forward MACs of one sequence divided by its length
 *   (projections, MLP, head and the attention scores, so the families' cost differences count); "flops" is the
 *   training FLOPs of the whole run (6 × forward MACs per sequence × batch × steps, src/core/analysis/flops.ts).
 * - Of the valid head sizes, the one whose compute is nearest the budget in ratio wins; a family whose nearest is
 *   farther than the tolerance is skipped with the reason.
 */
import { analyze } from '../analysis';
import { trainingFlopsPerStep } from '../analysis/flops';
import type { ResolvedSpec } from '../spec/resolve';
import { validate } from '../validate';

export const SEQUENCE_FAMILIES = ['dense', 'mlr', 'sliding-window', 'global-local'] as const;
export const FEATURE_FAMILIES = ['dense', 'bilinear-btt', 'bilinear-mlr'] as const;
export type Family = (typeof SEQUENCE_FAMILIES)[number] | (typeof FEATURE_FAMILIES)[number];

export type BudgetUnit = 'macs' | 'flops';
export const BUDGET_UNITS: Record<BudgetUnit, string> = {
  macs: 'forward MACs per token (attention scores included)',
  flops: 'training FLOPs of the whole run',
};

/** Default largest relative distance |measured/budget − 1| a family may have from the budget. */
export const DEFAULT_TOLERANCE = 0.1;
/** The largest head size tried (the paper's widest head is 128; this leaves room for few-head models). */
const MAX_HEAD_SIZE = 1024;

export interface CompareRequest {
  /** A valid spec file's value (its attention, search block and name are replaced). */
  base: Record<string, unknown>;
  budget: number;
  unit: BudgetUnit;
  tolerance?: number;
}

export interface FamilyMember {
  family: Family;
  /** The generated spec file's value (validates without errors). */
  value: Record<string, unknown>;
  headSize: number;
  /** Its compute in the budget's unit, and (measured − budget) / budget. */
  measured: number;
  relativeError: number;
}

export interface CompareResult {
  members: FamilyMember[];
  skipped: { family: Family; reason: string }[];
}

export class CompareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompareError';
  }
}

export function familiesFor(taskKind: string): readonly Family[] {
  return taskKind === 'icl-regression' ? FEATURE_FAMILIES : SEQUENCE_FAMILIES;
}

export function measureCompute(spec: ResolvedSpec, unit: BudgetUnit): number {
  return unit === 'macs' ? analyze(spec).macs.perSequence / spec.model.seqLen : trainingFlopsPerStep(spec) * spec.training.steps;
}

/**
 * Four level ranks summing to h, global-heavy like the paper's splits: ⌊h/4⌋, ⌊h/8⌋, ⌊h/8⌋ (at least 1 each) for
 * the finer levels and the rest for the global one (h/2|h/4|h/8|h/8 when 8 divides h). Null below h = 4.
 */
export function levelRanks(h: number): number[] | null {
  if (h < 4) return null;
  const fine = [Math.max(1, Math.floor(h / 4)), Math.max(1, Math.floor(h / 8)), Math.max(1, Math.floor(h / 8))];
  return [h - fine[0]! - fine[1]! - fine[2]!, ...fine];
}

/** The attention block of `family` at head size h and sequence length T, or null where h or T cannot hold it. */
export function familyAttention(family: Family, h: number, seqLen: number): Record<string, unknown> | null {
  const window = Math.max(1, Math.floor(seqLen / 4));
  switch (family) {
    case 'dense':
      return { kind: 'dense' };
    case 'mlr': {
      const ranks = levelRanks(h);
      return ranks && { kind: 'mlr', ranks, blockSizes: 'dyadic', normalize: 'coverage' };
    }
    case 'bilinear-mlr': {
      const ranks = levelRanks(h);
      return ranks && { kind: 'bilinear-mlr', ranks };
    }
    case 'bilinear-btt':
      return { kind: 'bilinear-btt', rank: 1 };
    case 'sliding-window':
      return { kind: 'sliding-window', window };
    case 'global-local':
      return h >= 2 ? { kind: 'global-local', split: [Math.ceil(h / 2), Math.floor(h / 2)], window } : null;
  }
}

function memberValue(
  base: Record<string, unknown>,
  family: Family,
  h: number,
  attention: Record<string, unknown>,
): Record<string, unknown> {
  const { search: _search, $schema: _schema, attention: _attention, ...rest } = structuredClone(base);
  const model = { ...(rest.model as Record<string, unknown>) };
  const heads = model.heads as number;
  model.width = heads * h;
  delete model.headDim; // width / heads, so the head size has one source
  const { description: _description, ...kept } = rest;
  return { ...kept, name: `${String(base.name)}-${family}`, model, attention };
}

function describeMember(baseName: string, family: Family, h: number, measured: number, unit: BudgetUnit): string {
  return `${family} attention at head size ${h}: ${fmt(measured)} ${BUDGET_UNITS[unit]}. Generated by MLBTC: Compare Families from "${baseName}" (its task, heads, layers, seqLen and training).`;
}

/** The family's spec nearest the budget, or why there is none. */
function matchFamily(base: Record<string, unknown>, family: Family, budget: number, unit: BudgetUnit): FamilyMember | { reason: string } {
  const seqLen = (base.model as Record<string, unknown>).seqLen as number;
  let best: FamilyMember | null = null;
  let firstProblem: string | null = null;
  for (let h = 1; h <= MAX_HEAD_SIZE; h++) {
    const attention = familyAttention(family, h, seqLen);
    if (!attention) continue;
    const value = memberValue(base, family, h, attention);
    const result = validate(value);
    if (!result.spec) {
      firstProblem ??= result.problems.find((p) => p.severity === 'error')?.message ?? 'invalid';
      continue;
    }
    const measured = measureCompute(result.spec, unit);
    const relativeError = (measured - budget) / budget;
    if (!best || Math.abs(Math.log(measured / budget)) < Math.abs(Math.log(best.measured / budget)))
      best = { family, value, headSize: h, measured, relativeError };

    if (measured > 2 * budget) break; // compute grows with h: nothing larger comes nearer
  }
  if (best) best.value = { ...best.value, description: describeMember(String(base.name), family, best.headSize, best.measured, unit) };
  return best ?? { reason: `no head size from 1 to ${MAX_HEAD_SIZE} gives a valid ${family} structure (first problem: ${firstProblem})` };
}

export function compareFamilies(request: CompareRequest): CompareResult {
  const { base, budget, unit } = request;
  const tolerance = request.tolerance ?? DEFAULT_TOLERANCE;
  if (!(budget > 0) || !Number.isFinite(budget))
    throw new CompareError(`the budget must be a positive number of ${BUDGET_UNITS[unit]} (got ${budget})`);
  const checked = validate(base);
  if (!checked.spec) {
    const first = checked.problems.find((p) => p.severity === 'error');
    throw new CompareError(`the spec is not valid, so its task and model cannot be compared: ${first?.message ?? 'invalid'}`);
  }
  const members: FamilyMember[] = [];
  const skipped: CompareResult['skipped'] = [];
  for (const family of familiesFor(checked.spec.task.kind)) {
    const m = matchFamily(base, family, budget, unit);
    if ('reason' in m) skipped.push({ family, reason: m.reason });
    else if (Math.abs(m.relativeError) > tolerance) {
      skipped.push({
        family,
        reason: `its nearest valid size (head size ${m.headSize}) has ${fmt(m.measured)} ${BUDGET_UNITS[unit]}, ${pct(m.relativeError)} from the budget ${fmt(budget)} (tolerance ±${pct(tolerance, false)})`,
      });
    } else members.push(m);
  }
  return { members, skipped };
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumSignificantDigits: 4 });
const pct = (x: number, signed = true) => `${signed && x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;

/** File name of a member: "<base name>-<family>.mlbtc.json". */
export function memberFileName(member: FamilyMember): string {
  return `${String(member.value.name).replace(/[^A-Za-z0-9._-]+/g, '-')}.mlbtc.json`;
}
