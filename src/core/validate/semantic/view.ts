import type { StructureSpec } from '../../spec/schema';
import { hasOwn, isPlainObject } from '../schemaLayer';
import type { Reporter } from '../report';
import type { JsonPath } from '../types';

/**
 * The valid part of a spec, as the schema layer returns it: any property may be missing (absent or invalid), and
 * list items that failed are `undefined` holes. Pairs (tuples) are whole or absent.
 */
export type Loose<T> = T extends [unknown, ...unknown[]]
  ? T
  : T extends (infer E)[]
    ? (Loose<E> | undefined)[]
    : T extends object
      ? { [K in keyof T]?: Loose<T[K]> }
      : T;

export type SpecView = Loose<StructureSpec>;

/** What the semantic rules read: the valid view, the raw value (to tell "absent" from "invalid"), the sink. */
export interface Ctx {
  r: Reporter;
  raw: unknown;
}

/** Whether the raw spec has a value at `path`, valid or not. Rules about absent properties must ask this. */
export function isGiven(ctx: Ctx, path: JsonPath): boolean {
  let v: unknown = ctx.raw;
  for (const seg of path) {
    if (typeof seg === 'number') v = Array.isArray(v) ? v[seg] : undefined;
    else v = isPlainObject(v) && hasOwn(v, seg) ? v[seg] : undefined;
    if (v === undefined) return false;
  }
  return true;
}

/** The raw value at `path` (for fixes that rewrite a whole object). */
export function rawAt(ctx: Ctx, path: JsonPath): unknown {
  let v: unknown = ctx.raw;
  for (const seg of path) {
    if (typeof seg === 'number') v = Array.isArray(v) ? v[seg] : undefined;
    else v = isPlainObject(v) && hasOwn(v, seg) ? v[seg] : undefined;
  }
  return v;
}

/**
 * A setting's effective value: the valid given value, else the schema default when the property is absent;
 * undefined when it is given but invalid (the schema layer has reported it, so rules skip it).
 */
export function effective<T>(ctx: Ctx, given: T | undefined, path: JsonPath, fallback: T): T | undefined {
  if (given !== undefined) return given;
  return isGiven(ctx, path) ? undefined : fallback;
}

/** All items of a list with holes, or undefined when any item was invalid. */
export function complete<T>(list: (T | undefined)[] | undefined): T[] | undefined {
  return list && list.every((x) => x !== undefined) ? (list as T[]) : undefined;
}
