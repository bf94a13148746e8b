/**
 * Words for values ("got …") and for what a schema expects ("must be …"), so schema problems read like a person
 * wrote them. Never throws, whatever the value (cycles, symbols, huge strings).
 */
import { Kind, type TSchema } from '@sinclair/typebox';

const MaxQuoted = 40;

/** The property that tells the members of an object union apart (`kind`), if there is one. */
const discriminators = new WeakMap<TSchema[], string | null>();
export function discriminator(members: TSchema[]): string | undefined {
  if (!discriminators.has(members)) {
    let found: string | null = null;
    if (members.length > 1 && members.every((m) => m[Kind] === 'Object')) {
      found =
        Object.keys(members[0]!.properties).find((key) =>
          members.every((m) => m.properties[key]?.[Kind] === 'Literal' && ((m.required ?? []) as string[]).includes(key)),
        ) ?? null;
    }
    discriminators.set(members, found);
  }
  return discriminators.get(members) ?? undefined;
}

export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
    case 'number':
      return String(v);
    case 'string':
      return JSON.stringify(v.length > MaxQuoted ? `${v.slice(0, MaxQuoted)}…` : v);
    case 'object': {
      if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
      const keys = Object.keys(v);
      if (keys.length === 0) return 'an empty object';
      const shown = keys.slice(0, 3).map((k) => JSON.stringify(k.length > MaxQuoted ? `${k.slice(0, MaxQuoted)}…` : k));
      return `an object with key${keys.length === 1 ? '' : 's'} ${shown.join(', ')}${keys.length > 3 ? ', …' : ''}`;
    }
    default:
      return `a ${typeof v}`;
  }
}

/** "a, b or c". */
export function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function bounds(s: TSchema): string {
  const lo =
    s.minimum !== undefined
      ? { v: s.minimum as number, strict: false }
      : s.exclusiveMinimum !== undefined
        ? { v: s.exclusiveMinimum as number, strict: true }
        : undefined;
  const hi =
    s.maximum !== undefined
      ? { v: s.maximum as number, strict: false }
      : s.exclusiveMaximum !== undefined
        ? { v: s.exclusiveMaximum as number, strict: true }
        : undefined;
  if (lo && hi && !lo.strict && !hi.strict) return ` from ${lo.v} to ${hi.v}`;
  const parts = [lo && `${lo.strict ? '>' : '≥'} ${lo.v}`, hi && `${hi.strict ? '<' : '≤'} ${hi.v}`].filter(Boolean);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

/** What `schema` accepts, as a noun phrase ("an integer ≥ 1"), or in the plural ("integers ≥ 1"). */
export function expectation(schema: TSchema, plural = false): string {
  switch (schema[Kind]) {
    case 'Integer':
      return (plural ? 'integers' : 'an integer') + bounds(schema);
    case 'Number':
      return (plural ? 'numbers' : 'a number') + bounds(schema);
    case 'String':
      // A patterned string names its form in its title, e.g. '"cuda:N"'.
      if (typeof schema.pattern === 'string' && typeof schema.title === 'string') return schema.title;
      return (schema.minLength ?? 0) > 0 ? (plural ? 'non-empty strings' : 'a non-empty string') : plural ? 'strings' : 'a string';
    case 'Boolean':
      return plural ? 'true/false values' : 'true or false';
    case 'Null':
      return 'null';
    case 'Literal':
      return JSON.stringify(schema.const);
    case 'Union': {
      const members = schema.anyOf as TSchema[];
      if (members.every((m) => m[Kind] === 'Literal' && typeof m.const === 'string'))
        return `one of ${members.map((m) => m.const as string).join(', ')}`;
      const tag = discriminator(members);
      if (tag !== undefined)
        return `${plural ? 'objects' : 'an object'} with "${tag}" one of ${members.map((m) => m.properties[tag].const as string).join(', ')}`;
      return orList([...new Set(members.map((m) => expectation(m, plural)))]);
    }
    case 'Tuple': {
      const items = (schema.items ?? []) as TSchema[];
      const first = items[0] && expectation(items[0], true);
      if (first !== undefined && items.every((i) => expectation(i, true) === first))
        return `${plural ? 'lists' : 'a list'} of ${items.length} ${first}`;
      return `${plural ? 'lists' : 'a list'} [${items.map((i) => expectation(i)).join(', ')}]`;
    }
    case 'Array': {
      const lo = schema.minItems as number | undefined;
      const hi = schema.maxItems as number | undefined;
      const count =
        lo !== undefined && hi !== undefined ? ` (${lo} to ${hi} items)` : lo ? ` (at least ${lo} item${lo === 1 ? '' : 's'})` : '';
      return `${plural ? 'lists' : 'a list'} of ${expectation(schema.items as TSchema, true)}${count}`;
    }
    case 'Object': {
      // An object known by its one required key ({ "pattern": [...] }) is named by it.
      const required = (schema.required ?? []) as string[];
      return (
        (plural ? 'objects' : 'an object') + (required.length === 1 && schema.properties.kind === undefined ? ` with "${required[0]}"` : '')
      );
    }
    case 'Record':
      return plural ? 'objects' : 'an object';
    default:
      return plural ? 'values' : 'any value';
  }
}

/** The first sentence of a schema description, to teach what a missing property is for. */
export function firstSentence(schema: TSchema): string | undefined {
  const d = schema.description as string | undefined;
  if (!d) return undefined;
  const m = /^(.*?[.!?])(\s|$)/.exec(d);
  return m ? m[1] : d;
}
