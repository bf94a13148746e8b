/**
 * The search space: the `search.space` block read as dimensions, and the candidates they generate (grid: every
 * combination; random: seeded draws).
 *
 * A candidate is the spec file with the `search` block removed and every dimension's value written at its key.
 * Keys are dotted paths from the spec root; a numeric segment indexes a list ("attention.1.heads"), as the
 * validator reads them (src/core/validate/semantic/search.ts).
 * Order (choice): plain dimensions (choice, int, logUniform) first, then the generators that read the model
 * (rankSplits, factorizations), then dyadicBlocks, which reads the ranks; within each group, the file's key order.
 * So a generator always sees the values the other dimensions chose for the same candidate.
 */
import type { Rng } from '../../core/random';
import type { SearchDimensionSpec, SearchSpec, StructureSpec } from '../../core/spec/schema';
import { dyadicBlockSchedules, factorizations, listSet, rankSplits, type ValueSet } from './generators';

export interface Dimension {
  key: string;
  path: string[];
  spec: SearchDimensionSpec;
}

/** One point of the space: the value of each dimension, by key, in dimension order. */
export type Assignment = Record<string, unknown>;

export interface Candidate {
  assignment: Assignment;
  /** The spec value to validate (the spec file with the assignment applied and no search block). */
  value: unknown;
}

/** A candidate the space itself cannot complete (a generator with nothing to generate from). */
export interface Unbuildable {
  assignment: Assignment;
  reason: string;
}

export class SearchSpaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchSpaceError';
  }
}

const phase = (d: SearchDimensionSpec): number => ('dyadicBlocks' in d ? 2 : 'rankSplits' in d || 'factorizations' in d ? 1 : 0);

export function dimensionsOf(search: SearchSpec): Dimension[] {
  return Object.entries(search.space)
    .map(([key, spec]) => ({ key, path: key.split('.'), spec }))
    .sort((a, b) => phase(a.spec) - phase(b.spec)); // stable: file order within a phase
}

/** The spec file as the base of every candidate: without its search block (trials do not search again). */
export function baseOf(raw: StructureSpec): Record<string, unknown> {
  const { search: _search, $schema: _schema, ...rest } = raw;
  return structuredClone(rest) as Record<string, unknown>;
}

// ─── Reading and writing dotted paths ───────────────────────────────────────────────────────────────────────────

function getPath(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const seg of path) {
    if (Array.isArray(v) && /^\d+$/.test(seg)) v = v[Number(seg)];
    else if (typeof v === 'object' && v !== null && Object.prototype.hasOwnProperty.call(v, seg)) v = (v as Record<string, unknown>)[seg];
    else return undefined;
  }
  return v;
}

/** Set the value at a dotted path, creating missing objects on the way (e.g. "training.lr" without a training block). */
function setPath(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let v: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i]!;
    const container = v as Record<string, unknown> | unknown[];
    let next = Array.isArray(container) ? container[Number(seg)] : container[seg];
    if (typeof next !== 'object' || next === null) {
      next = {};
      if (Array.isArray(container)) container[Number(seg)] = next;
      else container[seg] = next;
    }
    v = next;
  }
  const last = path[path.length - 1]!;
  if (Array.isArray(v)) v[Number(last)] = structuredClone(value);
  else (v as Record<string, unknown>)[last] = structuredClone(value);
}

// ─── The values of one dimension, given the candidate so far ────────────────────────────────────────────────────

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function headDimOf(candidate: unknown): number | undefined {
  const model = getPath(candidate, ['model']) as Record<string, unknown> | undefined;
  const explicit = num(model?.headDim);
  if (explicit !== undefined) return explicit;
  const width = num(model?.width);
  const heads = num(model?.heads);
  return width !== undefined && heads !== undefined && heads > 0 ? Math.floor(width / heads) : undefined;
}

/** A union of value sets, sampled in proportion to their sizes (uniform over the union). */
function unionSet(sets: readonly ValueSet[]): ValueSet {
  const count = sets.reduce((n, s) => n + s.count, 0);
  return {
    count,
    at: (index) => {
      let i = index;
      for (const s of sets) {
        if (i < s.count) return s.at(i);
        i -= s.count;
      }
      return undefined;
    },
    sample: (rng) => {
      let r = rng.next() * count;
      for (const s of sets) {
        if (r < s.count) return s.sample(rng);
        r -= s.count;
      }
      return sets.at(-1)?.sample(rng);
    },
  };
}

/** The values `dim` offers for the candidate built so far, or why it offers none. */
export function valuesOf(dim: Dimension, candidate: unknown): ValueSet | { reason: string } {
  const d = dim.spec;
  if ('choice' in d) return listSet(d.choice);
  if ('int' in d) {
    const [lo, hi] = d.int;
    const step = d.step ?? 1;
    const values: number[] = [];
    for (let v = lo; v <= hi; v += step) values.push(v);
    return listSet(values);
  }
  if ('logUniform' in d) {
    const [lo, hi] = d.logUniform;
    // Grid: low, geometric mean, high (choice lists anything else). Draws: continuous, uniform in log scale.
    const grid = lo === hi ? [lo] : [lo, Math.sqrt(lo * hi), hi];
    return { count: grid.length, at: (i) => grid[i], sample: (rng) => Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo))) };
  }
  if ('rankSplits' in d) {
    const headDim = headDimOf(candidate);
    if (headDim === undefined)
      return {
        reason: `${dim.key}: rankSplits splits model.headDim, which this candidate does not define (model.width and model.heads must be numbers)`,
      };
    const levels = Array.isArray(d.rankSplits.levels) ? d.rankSplits.levels : [d.rankSplits.levels];
    const k = d.rankSplits.multipleOf ?? 1;
    const set = unionSet(levels.map((l) => rankSplits(headDim, l, k)));
    return set.count > 0
      ? set
      : { reason: `${dim.key}: headDim ${headDim} has no split into ${levels.join(' or ')} ranks that are multiples of ${k}` };
  }
  if ('factorizations' in d) {
    const width = num(getPath(candidate, ['model', 'width']));
    return width === undefined ? { reason: `${dim.key}: factorizations needs model.width` } : factorizations(width);
  }
  const ranksPath = [...dim.path.slice(0, -1), 'ranks'];
  const ranks = getPath(candidate, ranksPath);
  const seqLen = num(getPath(candidate, ['model', 'seqLen']));
  if (!Array.isArray(ranks) || !ranks.every((r) => num(r) !== undefined))
    return { reason: `${dim.key}: dyadicBlocks needs the ranks at ${ranksPath.join('.')}` };
  if (seqLen === undefined) return { reason: `${dim.key}: dyadicBlocks needs model.seqLen` };
  const set = dyadicBlockSchedules(seqLen, ranks as number[]);
  return set.count > 0
    ? set
    : {
        reason: `${dim.key}: seqLen ${seqLen} has no dyadic schedule of ${ranks.length} decreasing power-of-two blocks holding ranks [${ranks.join(', ')}]`,
      };
}

// ─── Candidates ─────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Every combination, in order (the first dimension varies slowest). Throws SearchSpaceError when there are more
 * than `limit`, before building them.
 */
export function gridCandidates(base: Record<string, unknown>, dims: readonly Dimension[], limit: number): (Candidate | Unbuildable)[] {
  const out: (Candidate | Unbuildable)[] = [];
  const walk = (value: Record<string, unknown>, assignment: Assignment, i: number): void => {
    if (i === dims.length) {
      out.push({ assignment, value });
      return;
    }
    const dim = dims[i]!;
    const set = valuesOf(dim, value);
    if ('reason' in set) {
      out.push({ assignment, reason: set.reason });
      return;
    }
    if (out.length + set.count > limit) {
      throw new SearchSpaceError(
        `the grid has more than ${limit.toLocaleString('en-US')} combinations (${dim.key} alone offers ${Math.round(set.count).toLocaleString('en-US')}); narrow search.space, or use strategy "random" or "asha" with trials`,
      );
    }
    for (let k = 0; k < set.count; k++) {
      const v = set.at(k);
      const next = structuredClone(value);
      setPath(next, dim.path, v);
      walk(next, { ...assignment, [dim.key]: v }, i + 1);
    }
  };
  walk(base, {}, 0);
  return out;
}

/** One seeded draw: each dimension's value drawn uniformly from what it offers given the earlier ones. */
export function drawCandidate(base: Record<string, unknown>, dims: readonly Dimension[], rng: Rng): Candidate | Unbuildable {
  const value = structuredClone(base);
  const assignment: Assignment = {};
  for (const dim of dims) {
    const set = valuesOf(dim, value);
    if ('reason' in set) return { assignment, reason: set.reason };
    const v = set.sample(rng);
    setPath(value, dim.path, v);
    assignment[dim.key] = v;
  }
  return { assignment, value };
}

/** A short, stable label: "attention.ranks=[16,8,4,4] training.lr=0.000316". */
export function assignmentLabel(assignment: Assignment): string {
  const show = (v: unknown): string =>
    typeof v === 'number' && !Number.isInteger(v)
      ? String(Number(v.toPrecision(3)))
      : Array.isArray(v)
        ? `[${v.map(show).join(',')}]`
        : JSON.stringify(v);
  return Object.entries(assignment)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(' ');
}
