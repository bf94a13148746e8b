/**
 * Resolution: a valid spec with every default filled in and every shorthand expanded, so analysis, materialisation
 * and the engine read one explicit form. Defaults come from the schema's `default` annotations, never restated here;
 * only the defaults that depend on other fields (headDim, qkDim, BTT factors, dyadic blocks, presets) are computed.
 *
 * Call only on specs that passed validation: resolution trusts the constraints it relies on.
 */
import type { TObject } from '@sinclair/typebox';
import * as S from './schema';
import type {
  AttentionSpec,
  LayerAttentionSpec,
  LayerPatternSpec,
  MlbtcLevelSpec,
  MlbtcPreset,
  ModelSpec,
  SingleAttentionSpec,
  StructureSpec,
  TaskSpec,
  TrainingSpec,
} from './schema';

type Filled<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

export type ResolvedModel = Filled<ModelSpec>;
export type ResolvedTraining = Filled<TrainingSpec>;
export type ResolvedTask =
  | (Filled<Omit<Extract<TaskSpec, { kind: 'icl-regression' }>, 'curriculum'>> & { curriculum: ResolvedCurriculum })
  | (Filled<Omit<Extract<TaskSpec, { kind: 'language-model' }>, 'data'>> & { data?: string })
  | (Filled<Omit<Extract<TaskSpec, { kind: 'forecast' }>, 'data'>> & { data?: string });
export interface ResolvedCurriculum {
  startDims: number;
  startPoints: number;
  interval: number;
  dimsIncrement: number;
}

export type ResolvedMlbtcLevel = Filled<MlbtcLevelSpec>;

/** Each attention family with every option explicit. `mlbtc` always carries levels (presets expanded). */
export type ResolvedAttention =
  | { kind: 'dense'; qkDim: number; logitScale: 'mup' | 'standard'; qkNorm: boolean }
  | { kind: 'sliding-window'; window: number; logitScale: 'mup' | 'standard'; qkNorm: boolean }
  | { kind: 'global-local'; window: number; split: [number, number]; qkNorm: boolean }
  | { kind: 'mlr'; ranks: number[]; blockSizes: number[]; normalize: 'none' | 'levels' | 'coverage'; qkNorm: boolean }
  | {
      kind: 'bilinear-mlr';
      ranks: number[];
      logitScale: 'standard' | 'mup';
      normalize: 'none' | 'levels';
      weightClamp: boolean;
      qkNorm: boolean;
    }
  | { kind: 'bilinear-btt'; rank: number; factors: [number, number]; logitScale: 'standard' | 'mup'; weightClamp: boolean; qkNorm: boolean }
  | { kind: 'mlbtc'; preset?: MlbtcPreset; levels: ResolvedMlbtcLevel[]; logitScale: 'standard' | 'mup'; qkNorm: boolean };

/** Attention is always a list of head groups after resolution; a single family is one group of all heads. */
export interface ResolvedHeadGroup {
  heads: number;
  /** Index of the first head of this group among all heads. */
  firstHead: number;
  attention: ResolvedAttention;
}

/** One transformer block's attention: its head groups in head order. */
export interface ResolvedLayer {
  groups: ResolvedHeadGroup[];
}

export interface ResolvedSpec {
  name: string;
  description?: string;
  task: ResolvedTask;
  model: ResolvedModel;
  /** Every block's attention, always model.layers long (a uniform spec repeats one layer; see docs/choices.md). */
  layers: ResolvedLayer[];
  training: ResolvedTraining;
  search?: StructureSpec['search'];
}

/** Fill missing properties of `value` from the `default` annotations of `schema` (one level deep). */
export function withDefaults<T extends object>(schema: TObject, value: T): T {
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (out[key] === undefined && 'default' in prop) {
      const d: unknown = prop.default;
      // Copy object defaults so callers can never mutate the schema; primitives need no copy (and validation is hot).
      out[key] = typeof d === 'object' && d !== null ? structuredClone(d) : d;
    }
  }
  return out as T;
}

const taskSchemas: Record<TaskSpec['kind'], TObject> = {
  'icl-regression': S.IclRegressionTask,
  'language-model': S.LanguageModelTask,
  forecast: S.ForecastTask,
};

/** The family schema of each kind, as used outside head groups (defaults are the same inside). */
export const attentionSchemas: Record<S.AttentionKind, TObject> = Object.fromEntries(
  S.SingleAttention.anyOf.map((o) => [(o as TObject).properties.kind.const as string, o as TObject]),
) as Record<S.AttentionKind, TObject>;

/**
 * The reference `factorize(D, 2)` (§3.2): b is the smallest divisor of D strictly greater than √D, a = D/b.
 * Perfect squares are deliberately not split evenly (256 → [8, 32]), as the reference does. Primes give [1, D].
 */
export function factorize(d: number): [number, number] {
  for (let b = Math.floor(Math.sqrt(d)) + 1; b <= d; b++) if (d % b === 0) return [d / b, b];
  return [1, d];
}

/** Dyadic block schedule T_l = T/2^l for L levels (§3.4). May be fractional when T is not divisible: validation reports it. */
export function dyadicBlocks(seqLen: number, levels: number): number[] {
  return Array.from({ length: levels }, (_, l) => seqLen / 2 ** l);
}

/**
 * Expand an MLBTC preset into levels (§3.6 special cases), for width D.
 * - low-rank: (a,b) = (D,1), (c,d) = (1,D), s = rank.
 * - dense: (a,b) = (1,D), (c,d) = (1,D), s = 1.
 * - btt: reference factorisation for both sides, s = rank (default 1). monarch: btt with s = 1.
 * - kronecker: reference factorisation, tied cores (A ⊗ B), s = 1.
 */
export function expandPreset(preset: MlbtcPreset, width: number, rank: number | undefined): ResolvedMlbtcLevel[] {
  const [a, b] = factorize(width);
  const level = (out: [number, number], inn: [number, number], s: number, kronecker = false): ResolvedMlbtcLevel => ({
    blocks: 1,
    out,
    in: inn,
    rank: s,
    kronecker,
  });
  switch (preset) {
    case 'low-rank':
      return [level([width, 1], [1, width], rank ?? 1)];
    case 'dense':
      return [level([1, width], [1, width], 1)];
    case 'btt':
      return [level([a, b], [a, b], rank ?? 1)];
    case 'monarch':
      return [level([a, b], [a, b], 1)];
    case 'kronecker':
      return [level([a, b], [a, b], 1, true)];
  }
}

export function resolveAttention(raw: SingleAttentionSpec, model: ResolvedModel): ResolvedAttention {
  const { heads: _heads, ...own } = raw as SingleAttentionSpec & { heads?: number };
  const a = withDefaults(attentionSchemas[raw.kind], own) as SingleAttentionSpec;
  switch (a.kind) {
    case 'dense':
      return { ...a, qkDim: a.qkDim ?? model.headDim } as ResolvedAttention;
    case 'mlr':
      return {
        ...a,
        blockSizes: a.blockSizes === 'dyadic' ? dyadicBlocks(model.seqLen, a.ranks.length) : a.blockSizes,
      } as ResolvedAttention;
    case 'bilinear-btt':
      return { ...a, factors: a.factors ?? factorize(model.width) } as ResolvedAttention;
    case 'mlbtc': {
      const levels = a.levels
        ? a.levels.map((l) => withDefaults(S.MlbtcLevel, l) as ResolvedMlbtcLevel)
        : expandPreset(a.preset ?? 'btt', model.width, a.rank);
      const { rank: _rank, ...rest } = a;
      return { ...rest, levels } as ResolvedAttention;
    }
    default:
      return a as ResolvedAttention;
  }
}

export function resolveModel(raw: ModelSpec): ResolvedModel {
  const m = withDefaults(S.Model, raw);
  return { ...m, headDim: m.headDim ?? Math.floor(m.width / m.heads) } as ResolvedModel;
}

/** Default curriculum (§5.1): dims increment k is the smallest with startDims + 15·k ≥ inputDim. */
export function resolveCurriculum(inputDim: number, raw: Partial<ResolvedCurriculum> | undefined): ResolvedCurriculum {
  const startDims = raw?.startDims ?? 4;
  const startPoints = raw?.startPoints ?? 8;
  const interval = raw?.interval ?? 2000;
  const dimsIncrement = raw?.dimsIncrement ?? Math.max(1, Math.ceil((inputDim - startDims) / 15));
  return { startDims, startPoints, interval, dimsIncrement };
}

export function resolveTask(raw: TaskSpec): ResolvedTask {
  const t = withDefaults(taskSchemas[raw.kind], raw) as TaskSpec;
  if (t.kind === 'icl-regression') return { ...t, curriculum: resolveCurriculum(t.inputDim, t.curriculum) } as ResolvedTask;
  return t as ResolvedTask;
}

/** Whether `attention` is the per-layer form `{ pattern: [...] }` (a family has `kind`, head groups are a list). */
export function isLayerPattern(attention: unknown): attention is LayerPatternSpec {
  return (
    typeof attention === 'object' &&
    attention !== null &&
    !Array.isArray(attention) &&
    Object.prototype.hasOwnProperty.call(attention, 'pattern')
  );
}

/** The per-layer entries `attention` gives: one for a uniform spec. */
function layerEntries(attention: AttentionSpec): LayerAttentionSpec[] {
  return isLayerPattern(attention) ? attention.pattern : [attention];
}

function resolveLayer(raw: LayerAttentionSpec, model: ResolvedModel): ResolvedLayer {
  const groups: ResolvedHeadGroup[] = [];
  if (Array.isArray(raw)) {
    let firstHead = 0;
    for (const g of raw) {
      groups.push({ heads: g.heads, firstHead, attention: resolveAttention(g as SingleAttentionSpec, model) });
      firstHead += g.heads;
    }
  } else {
    groups.push({ heads: model.heads, firstHead: 0, attention: resolveAttention(raw, model) });
  }
  return { groups };
}

export function resolveSpec(spec: StructureSpec): ResolvedSpec {
  const model = resolveModel(spec.model);
  // Layer ℓ uses entry ℓ mod n (validation checks that n divides model.layers); repeats share one resolved object.
  const entries = layerEntries(spec.attention).map((e) => resolveLayer(e, model));
  return {
    name: spec.name,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    task: resolveTask(spec.task),
    model,
    layers: Array.from({ length: model.layers }, (_, l) => entries[l % entries.length]!),
    training: withDefaults(S.Training, spec.training ?? {}) as ResolvedTraining,
    ...(spec.search ? { search: spec.search } : {}),
  };
}

/**
 * The layers with distinct structures, in order of first use, each with the blocks that use it: one entry when
 * every layer is alike. Structures are compared by value, so a pattern that repeats an entry counts it once.
 */
export function distinctLayers(spec: Pick<ResolvedSpec, 'layers'>): { layers: number[]; groups: ResolvedHeadGroup[] }[] {
  const byKey = new Map<string, { layers: number[]; groups: ResolvedHeadGroup[] }>();
  spec.layers.forEach((layer, l) => {
    const key = JSON.stringify(layer.groups);
    const seen = byKey.get(key);
    if (seen) seen.layers.push(l);
    else byKey.set(key, { layers: [l], groups: layer.groups });
  });
  return [...byKey.values()];
}
