/**
 * The schema layer: checks a value against the TypeBox structure language (../spec/schema.ts) and reports
 * problems a person can act on. TypeBox's own error list is not used because it reports every failed union
 * branch; here unions are dispatched first (on `kind`, or on the value's JSON type), so each problem names the one
 * thing that is wrong, what would be right, and its exact path.
 *
 * The walk is driven by the schema, never by the value, so cycles, deep nesting and huge values cannot make it
 * recurse or loop without bound. It returns the *valid part* of the value (invalid leaves dropped, invalid list
 * items left as `undefined` holes so indices keep their meaning), which the semantic layer reads: every
 * cross-field rule can run on whatever was valid, without re-checking types.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { AttentionKinds } from '../spec/schema';
import { attentionSchemas } from '../spec/resolve';
import { describeValue, discriminator, expectation, firstSentence, orList } from './describe';
import { formatPath } from './paths';
import { Reporter } from './report';
import { closest } from './suggest';
import type { Fix, JsonPath } from './types';

/** Returned for a value that failed its schema. */
export const Invalid: unique symbol = Symbol('invalid');
export type Checked = unknown;

/** Lists longer than this without a schema maximum are reported, not walked. */
const MaxWalkedItems = 1000;

export const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own property value, never an inherited one (`{"kind": "constructor"}` must not find Object's constructor). */
export function own(o: Record<string, unknown>, k: string): unknown {
  return hasOwn(o, k) ? o[k] : undefined;
}

/** A plain copy of `o` with the property `from` renamed to `to`, in place (key order kept). */
export function renamedKey(o: Record<string, unknown>, from: string, to: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) Object.defineProperty(out, k === from ? to : k, { value: o[k], enumerable: true, writable: true, configurable: true });
  return out;
}

function accepts(schema: TSchema, v: unknown): boolean {
  switch (schema[Kind]) {
    case 'Integer':
    case 'Number':
      return typeof v === 'number';
    case 'String':
      return typeof v === 'string';
    case 'Boolean':
      return typeof v === 'boolean';
    case 'Null':
      return v === null;
    case 'Literal':
      return v !== null && typeof v === typeof schema.const;
    case 'Object':
    case 'Record':
      return isPlainObject(v);
    case 'Array':
    case 'Tuple':
      return Array.isArray(v);
    case 'Union':
      return (schema.anyOf as TSchema[]).some((m) => accepts(m, v));
    default:
      return true;
  }
}

/** Check `value` against `schema` at `path`; report problems; return the valid part, or Invalid. */
export function checkValue(schema: TSchema, value: unknown, path: JsonPath, r: Reporter): Checked {
  switch (schema[Kind]) {
    case 'Integer':
    case 'Number':
      return checkNumber(schema, value, path, r);
    case 'String':
      if (typeof value !== 'string') return typeProblem(schema, value, path, r);
      if (value.length < (schema.minLength ?? 0)) {
        r.error('range', path, `${formatPath(path)} must be ${expectation(schema)} (got an empty string)`);
        return Invalid;
      }
      return value;
    case 'Boolean':
      return typeof value === 'boolean' ? value : typeProblem(schema, value, path, r);
    case 'Null':
      return value === null ? value : typeProblem(schema, value, path, r);
    case 'Literal':
      if (value === schema.const) return value;
      r.error('enum', path, `${formatPath(path)} must be ${expectation(schema)} (got ${describeValue(value)})`, literalFix([schema], value, path));
      return Invalid;
    case 'Object':
      return checkObject(schema, value, path, r);
    case 'Union':
      return checkUnion(schema, value, path, r);
    case 'Tuple':
      return checkTuple(schema, value, path, r);
    case 'Array':
      return checkArray(schema, value, path, r);
    case 'Record':
      return checkRecord(schema, value, path, r);
    default:
      return value;
  }
}

function typeProblem(schema: TSchema, value: unknown, path: JsonPath, r: Reporter, expected = expectation(schema)): typeof Invalid {
  r.error('type', path, `${formatPath(path)} must be ${expected} (got ${describeValue(value)})`, coercionFix(schema, value, path));
  return Invalid;
}

/** A quoted number or boolean ("64", "true") where the schema wants the bare value: offer the bare value. */
function coercionFix(schema: TSchema, value: unknown, path: JsonPath): Fix[] | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  const candidate = s === 'true' ? true : s === 'false' ? false : s === 'null' ? null : s !== '' && Number.isFinite(Number(s)) ? Number(s) : undefined;
  if (candidate === undefined) return undefined;
  const scratch = new Reporter();
  checkValue(schema, candidate, path, scratch);
  return scratch.problems.length ? undefined : [{ title: `Use ${JSON.stringify(candidate)} without quotes`, path, value: candidate }];
}

function checkNumber(schema: TSchema, value: unknown, path: JsonPath, r: Reporter): Checked {
  if (typeof value !== 'number') return typeProblem(schema, value, path, r);
  const integer = schema[Kind] === 'Integer';
  const within =
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    (schema.minimum === undefined || value >= schema.minimum) &&
    (schema.maximum === undefined || value <= schema.maximum) &&
    (schema.exclusiveMinimum === undefined || value > schema.exclusiveMinimum) &&
    (schema.exclusiveMaximum === undefined || value < schema.exclusiveMaximum);
  if (within) return value;
  const code = integer && Number.isFinite(value) && !Number.isInteger(value) ? 'type' : 'range';
  r.error(code, path, `${formatPath(path)} must be ${expectation(schema)} (got ${describeValue(value)})`);
  return Invalid;
}

/** Per object schema: its properties and which of them a file must give. Validation runs per keystroke. */
const objectShapes = new WeakMap<TSchema, { entries: [string, TSchema][]; required: Set<string> }>();
function objectShape(schema: TSchema): { entries: [string, TSchema][]; required: Set<string> } {
  let shape = objectShapes.get(schema);
  if (!shape) {
    const props = schema.properties as Record<string, TSchema>;
    // A property with a default is optional in files: resolution fills it (TypeBox lists it as required).
    shape = { entries: Object.entries(props), required: new Set(((schema.required ?? []) as string[]).filter((k) => !('default' in props[k]!))) };
    objectShapes.set(schema, shape);
  }
  return shape;
}

function checkObject(schema: TSchema, value: unknown, path: JsonPath, r: Reporter): Checked {
  if (!isPlainObject(value)) return typeProblem(schema, value, path, r);
  const props = schema.properties as Record<string, TSchema>;
  // A misspelt required property is one mistake: reported once, as the unknown key with its rename.
  const suggested = new Set<string>();
  if (schema.additionalProperties === false) {
    for (const key of Object.keys(value)) {
      if (hasOwn(props, key)) continue;
      const s = unknownProperty(schema, value, key, path, r);
      if (s !== undefined) suggested.add(s);
    }
  }
  const { entries, required } = objectShape(schema);
  const out: Record<string, unknown> = {};
  for (const [key, prop] of entries) {
    const v = own(value, key);
    if (v === undefined) {
      if (required.has(key) && !suggested.has(key)) {
        const what = firstSentence(prop);
        r.error('required', [...path, key], `${formatPath(path)} is missing required property "${key}"${what ? ` (${what})` : ''}`);
      }
      continue;
    }
    const c = checkValue(prop, v, [...path, key], r);
    if (c !== Invalid) out[key] = c;
  }
  return out;
}

/** Reports an unknown key; returns the property it was probably meant to be, if any. */
function unknownProperty(schema: TSchema, obj: Record<string, unknown>, key: string, path: JsonPath, r: Reporter): string | undefined {
  const props = Object.keys(schema.properties as object);
  const where = formatPath(path);
  const suggestion = closest(key, props.filter((k) => !hasOwn(obj, k)));
  if (suggestion !== undefined) {
    r.error('unknown-property', [...path, key], `unknown property "${key}" in ${where}; did you mean "${suggestion}"?`, [
      { title: `Rename "${key}" to "${suggestion}"`, path, value: renamedKey(obj, key, suggestion) },
    ]);
    return suggestion;
  }
  const kind = schema.properties.kind;
  const family = kind?.[Kind] === 'Literal' && (AttentionKinds as readonly unknown[]).includes(kind.const) ? (kind.const as string) : undefined;
  const owners = family ? AttentionKinds.filter((k) => k !== family && hasOwn(attentionSchemas[k].properties, key)) : [];
  const hint = owners.length
    ? `: ${family} attention has no "${key}" (${orList(owners)} attention ${owners.length === 1 ? 'has' : 'have'} one)`
    : `; the properties here are ${props.join(', ')}`;
  r.error('unknown-property', [...path, key], `unknown property "${key}" in ${where}${hint}`);
  return undefined;
}

/** For a string close to one of the allowed literals, offer it. */
function literalFix(literals: TSchema[], value: unknown, path: JsonPath): Fix[] | undefined {
  if (typeof value !== 'string') return undefined;
  const names = literals.map((l) => l.const).filter((c): c is string => typeof c === 'string');
  const s = closest(value, names);
  return s === undefined ? undefined : [{ title: `Change to "${s}"`, path, value: s }];
}

function checkUnion(schema: TSchema, value: unknown, path: JsonPath, r: Reporter): Checked {
  const members = schema.anyOf as TSchema[];
  const candidates = members.filter((m) => accepts(m, value));
  if (candidates.length === 0) return typeProblem(schema, value, path, r);
  if (candidates.every((c) => c[Kind] === 'Literal')) {
    if (candidates.some((c) => c.const === value)) return value;
    const fixes = literalFix(candidates, value, path);
    const hint = fixes ? `; did you mean ${JSON.stringify(fixes[0]!.value)}?` : '';
    r.error('enum', path, `${formatPath(path)} must be ${expectation(schema)} (got ${describeValue(value)})${hint}`, fixes);
    return Invalid;
  }
  if (candidates.length === 1) return checkValue(candidates[0]!, value, path, r);
  // Cached per schema array: pass the union's own member list when no member was filtered out (the usual case).
  const tag = discriminator(candidates.length === members.length ? members : candidates);
  if (tag !== undefined) return checkTagged(candidates, tag, value as Record<string, unknown>, path, r);
  return checkByShape(candidates, value, path, r);
}

/** A union of objects told apart by a literal property (`kind`): dispatch on it, then check that member only. */
function checkTagged(members: TSchema[], tag: string, value: Record<string, unknown>, path: JsonPath, r: Reporter): Checked {
  const names = members.map((m) => m.properties[tag].const as string);
  const given = own(value, tag);
  const tagPath = [...path, tag];
  if (given === undefined) {
    // Guess the member from the properties present: offer it only when exactly one member has them all.
    const keys = Object.keys(value);
    const fits = keys.length ? members.filter((m) => keys.every((k) => hasOwn(m.properties, k))).map((m) => m.properties[tag].const as string) : [];
    const guess = fits.length === 1 ? fits[0]! : undefined;
    const hint = fits.length && fits.length < names.length ? `; its properties fit ${orList(fits)}` : '';
    r.error(
      'required',
      tagPath,
      `${formatPath(path)} is missing "${tag}", which must be one of ${names.join(', ')}${hint}`,
      guess ? [{ title: `Add "${tag}": "${guess}"`, path: tagPath, value: guess }] : undefined,
    );
    return Invalid;
  }
  const member = members.find((m) => m.properties[tag].const === given);
  if (member) return checkValue(member, value, path, r);
  const fixes = literalFix(members.map((m) => m.properties[tag]), given, tagPath);
  const hint = fixes ? `; did you mean "${fixes[0]!.value as string}"?` : '';
  r.error('enum', tagPath, `${formatPath(tagPath)} must be one of ${names.join(', ')} (got ${describeValue(given)})${hint}`, fixes);
  return Invalid;
}

/** Object members told apart only by which properties they have (search dimensions): pick the closest shape. */
function checkByShape(members: TSchema[], value: unknown, path: JsonPath, r: Reporter): Checked {
  let best: { problems: Reporter; overlap: number } | undefined;
  for (const m of members) {
    const scratch = new Reporter();
    const checked = checkValue(m, value, path, scratch);
    if (scratch.problems.length === 0) return checked;
    const overlap = isPlainObject(value) ? Object.keys(value).filter((k) => memberKeys(m).has(k)).length : 0;
    if (!best || overlap > best.overlap || (overlap === best.overlap && scratch.problems.length < best.problems.problems.length)) best = { problems: scratch, overlap };
  }
  // An object that shares nothing with any member but a tagged union among them (attention: {} or {"kin": …}) is
  // most likely that union's: report its problems ("missing kind", with a guess), not a list of shapes.
  const isTagged = (m: TSchema) => m[Kind] === 'Union' && discriminator(m.anyOf as TSchema[]) !== undefined;
  const tagged = isPlainObject(value) ? members.find(isTagged) : undefined;
  if (best && best.overlap === 0 && tagged) {
    // A near miss of an untagged member's key ("patern") is that member's, misspelt.
    const obj = value as Record<string, unknown>;
    const keys = members.filter((m) => m[Kind] === 'Object').flatMap((m) => Object.keys(m.properties as object));
    const first = Object.keys(obj)[0];
    const near = first !== undefined && Object.keys(obj).length === 1 ? closest(first, keys) : undefined;
    if (near === undefined || first === undefined) return checkValue(tagged, value, path, r);
    r.error('unknown-property', [...path, first], `unknown property "${first}" in ${formatPath(path)}; did you mean "${near}"?`, [
      { title: `Rename "${first}" to "${near}"`, path, value: renamedKey(obj, first, near) },
    ]);
    return Invalid;
  }
  if (best && (best.overlap > 0 || !isPlainObject(value))) {
    for (const p of best.problems.finish()) (p.severity === 'error' ? r.error : r.warning).call(r, p.code as never, p.path, p.message, p.fixes);
    return Invalid;
  }
  // No member shares a property with the value: list the shapes, and suggest a key if one is a near miss.
  const obj = value as Record<string, unknown>;
  const shapes = members.map((m) => `{ ${Object.keys(m.properties).map((k) => (((m.required ?? []) as string[]).includes(k) ? k : `${k}?`)).join(', ')} }`);
  const allKeys = members.flatMap((m) => Object.keys(m.properties));
  const first = Object.keys(obj)[0];
  const near = first !== undefined ? closest(first, allKeys) : undefined;
  r.error(
    'type',
    path,
    `${formatPath(path)} must be one of ${shapes.join(', ')} (got ${describeValue(value)})${near ? `; did you mean "${near}"?` : ''}`,
    near && first !== undefined ? [{ title: `Rename "${first}" to "${near}"`, path, value: renamedKey(obj, first, near) }] : undefined,
  );
  return Invalid;
}

/** The properties an object member, or any object of a union member, defines. */
function memberKeys(m: TSchema): Set<string> {
  if (m[Kind] === 'Object') return new Set(Object.keys(m.properties as object));
  if (m[Kind] === 'Union') return new Set((m.anyOf as TSchema[]).flatMap((x) => [...memberKeys(x)]));
  return new Set();
}

function checkTuple(schema: TSchema, value: unknown, path: JsonPath, r: Reporter): Checked {
  if (!Array.isArray(value)) return typeProblem(schema, value, path, r);
  const items = (schema.items ?? []) as TSchema[];
  if (value.length !== items.length) return typeProblem(schema, value, path, r);
  let ok = true;
  const out = items.map((s, i) => {
    const c = checkValue(s, value[i], [...path, i], r);
    if (c === Invalid) ok = false;
    return c;
  });
  return ok ? out : Invalid;
}

function checkArray(schema: TSchema, value: unknown, path: JsonPath, r: Reporter): Checked {
  if (!Array.isArray(value)) return typeProblem(schema, value, path, r);
  const lo = schema.minItems as number | undefined;
  const hi = schema.maxItems as number | undefined;
  if ((lo !== undefined && value.length < lo) || (hi !== undefined && value.length > hi)) {
    const want = lo !== undefined && hi !== undefined ? `${lo} to ${hi} items` : lo !== undefined ? `at least ${lo} item${lo === 1 ? '' : 's'}` : `at most ${hi} items`;
    r.error('items', path, `${formatPath(path)} must have ${want} (got ${value.length})`);
    return Invalid;
  }
  if (value.length > MaxWalkedItems) {
    r.error('items', path, `${formatPath(path)} has ${value.length} items; more than ${MaxWalkedItems} is never meaningful here`);
    return Invalid;
  }
  const items = schema.items as TSchema;
  return Array.from({ length: value.length }, (_, i) => {
    const c = checkValue(items, value[i], [...path, i], r);
    return c === Invalid ? undefined : c;
  });
}

function checkRecord(schema: TSchema, value: unknown, path: JsonPath, r: Reporter): Checked {
  if (!isPlainObject(value)) return typeProblem(schema, value, path, r);
  const valueSchema = Object.values(schema.patternProperties as Record<string, TSchema>)[0]!;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const c = checkValue(valueSchema, value[key], [...path, key], r);
    if (c !== Invalid) Object.defineProperty(out, key, { value: c, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
