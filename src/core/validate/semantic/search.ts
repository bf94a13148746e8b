/**
 * The search block: every `space` key must name a field of this spec, ranges must be ordered, and the strategy
 * must have what it reads.
 *
 * Key format (choice, documented for the search runner): dotted property names from the spec root, with a numeric
 * segment indexing a list, e.g. "training.lr", "attention.ranks", "attention.1.heads" (head group 1),
 * "attention.levels.0.rank", "attention.pattern.1.window" (per-layer entry 1). A key may stop at an object
 * ("attention") to choose whole sub-structures.
 * Family fields are checked against the family in the file unless the space also searches a `kind`.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import * as S from '../../spec/schema';
import type { SearchSpec } from '../../spec/schema';
import { describeValue } from '../describe';
import { hasOwn, isPlainObject, own, renamedKey } from '../schemaLayer';
import { closest } from '../suggest';
import type { JsonPath } from '../types';
import { effective, isGiven, rawAt, type Ctx, type Loose } from './view';

/**
 * The kinds the format defines. Only these label a parent in messages ("attention (mlr) has no field …"): an
 * unknown kind is already a schema error of its own, and may be any string, even a whole paragraph.
 */
const knownKinds: ReadonlySet<string> = new Set<string>([...S.AttentionKinds, ...S.Task.anyOf.map((t) => t.properties.kind.const)]);

export function checkSearch(s: Loose<SearchSpec> | undefined, ctx: Ctx): void {
  if (!s) return;
  const space = s.space ?? {};
  // Keys from the raw block: a dimension that failed the schema still has a key worth checking.
  const rawSpace = rawAt(ctx, ['search', 'space']);
  const keys = isPlainObject(rawSpace) ? Object.keys(rawSpace) : [];
  const kindSearched = keys.some((k) => k === 'kind' || k.endsWith('.kind') || /^attention(\.pattern(\.\d+)?)?(\.\d+)?$/.test(k));
  for (const key of keys) {
    checkSpacePath(key, kindSearched, ctx);
    const dim = hasOwn(space, key) ? space[key] : undefined;
    if (!dim) continue;
    const range = 'int' in dim ? (['int', dim.int] as const) : 'logUniform' in dim ? (['logUniform', dim.logUniform] as const) : undefined;
    if (range && range[1] && range[1][0] > range[1][1]) {
      const p: JsonPath = ['search', 'space', key, range[0]];
      const [lo, hi] = range[1];
      ctx.r.error('range-order', p, `search.space["${key}"].${range[0]} [${lo}, ${hi}] runs backwards; give [low, high]`, [{ title: `Use [${hi}, ${lo}]`, path: p, value: [hi, lo] }]);
    }
  }

  const strategy = effective(ctx, s.strategy, ['search', 'strategy'], S.Search.properties.strategy.default as 'grid');
  if (strategy === 'asha' && !isGiven(ctx, ['search', 'asha'])) {
    ctx.r.error('asha-missing', ['search', 'asha'], 'search.strategy "asha" needs an asha block, e.g. { "minBudget": 100, "maxBudget": 2700, "eta": 3 } (budgets in steps, or tokens with "unit": "tokens")');
  }
  if (strategy !== undefined && strategy !== 'asha' && s.asha) {
    ctx.r.warning('option-ignored', ['search', 'asha'], `search.asha is only read by strategy "asha"; the strategy is "${strategy}"`);
  }
  if (strategy === 'grid' && s.trials !== undefined) {
    ctx.r.warning('option-ignored', ['search', 'trials'], 'search.trials is only read by the random and asha strategies; grid search runs every combination');
  }
  const { minBudget, maxBudget } = s.asha ?? {};
  if (minBudget !== undefined && maxBudget !== undefined && minBudget > maxBudget) {
    ctx.r.error('budget-order', ['search', 'asha', 'minBudget'], `search.asha.minBudget ${minBudget} is above maxBudget ${maxBudget}; rungs grow from the first budget to the last`);
  }
}

/** A schema node and the part of the spec it describes (to narrow families to the kind in the file). */
interface At {
  schema: TSchema;
  value: unknown;
}

function members(at: At, kindSearched: boolean): At[] {
  if (at.schema[Kind] !== 'Union') return [at];
  const all = (at.schema.anyOf as TSchema[]).flatMap((m) => members({ schema: m, value: at.value }, kindSearched));
  const kind = isPlainObject(at.value) ? own(at.value, 'kind') : undefined;
  if (kindSearched || typeof kind !== 'string') return all;
  const same = all.filter((m) => m.schema[Kind] !== 'Object' || m.schema.properties.kind?.const === undefined || m.schema.properties.kind.const === kind);
  return same.length ? same : all;
}

function step(at: At, seg: string): At | undefined {
  const { schema, value } = at;
  switch (schema[Kind]) {
    case 'Object':
      return hasOwn(schema.properties, seg) ? { schema: schema.properties[seg], value: isPlainObject(value) ? own(value, seg) : undefined } : undefined;
    case 'Array':
      return /^\d+$/.test(seg) ? { schema: schema.items, value: Array.isArray(value) ? value[Number(seg)] : undefined } : undefined;
    case 'Tuple':
      return /^\d+$/.test(seg) && Number(seg) < (schema.items as TSchema[]).length ? { schema: schema.items[Number(seg)], value: Array.isArray(value) ? value[Number(seg)] : undefined } : undefined;
    case 'Record':
      return { schema: Object.values(schema.patternProperties as Record<string, TSchema>)[0]!, value: isPlainObject(value) ? own(value, seg) : undefined };
    default:
      return undefined;
  }
}

function checkSpacePath(key: string, kindSearched: boolean, ctx: Ctx): void {
  const segments = key.split('.');
  const keyPath: JsonPath = ['search', 'space', key];
  if (segments[0] === 'search') {
    ctx.r.warning('search-path', keyPath, `search.space key "${key}" points into the search block itself; searchable fields are in task, model, attention and training`);
    return;
  }
  let frontier: At[] = [{ schema: S.StructureSpec, value: ctx.raw }];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const options = frontier.flatMap((at) => members(at, kindSearched));
    const next = options.map((at) => step(at, seg)).filter((x): x is At => x !== undefined);
    if (next.length) {
      frontier = next;
      continue;
    }
    const parent = segments.slice(0, i).join('.') || 'the spec';
    const kinds = [...new Set(options.map((o) => (isPlainObject(o.value) ? own(o.value, 'kind') : undefined)).filter((k): k is string => typeof k === 'string' && knownKinds.has(k)))];
    const label = kinds.length === 1 && !kindSearched ? `${parent} (${kinds[0]})` : parent;
    const names = [...new Set(options.flatMap((o) => (o.schema[Kind] === 'Object' ? Object.keys(o.schema.properties) : [])))];
    const near = closest(seg, names);
    const renamed = near !== undefined ? [...segments.slice(0, i), near, ...segments.slice(i + 1)].join('.') : undefined;
    const rawSpace = rawAt(ctx, ['search', 'space']);
    const fixes =
      renamed !== undefined && isPlainObject(rawSpace) && !hasOwn(rawSpace, renamed)
        ? [{ title: `Rename the key to "${renamed}"`, path: ['search', 'space'], value: renamedKey(rawSpace, key, renamed) }]
        : undefined;
    const what = /^\d+$/.test(seg) ? `no item ${seg}` : `no field ${describeValue(seg)}`;
    ctx.r.warning('search-path', keyPath, `search.space key "${key}" names no field of this spec: ${label} has ${what}${renamed !== undefined ? `; did you mean "${renamed}"?` : ''}`, fixes);
    return;
  }
}
