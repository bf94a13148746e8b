/**
 * Seeded fuzz: 10,000 random mutations of the example specs, trainable and paper tier (keys deleted, duplicated,
 * renamed and moved; values swapped for other types; numbers scaled, zeroed, negated, made huge or fractional;
 * lists grown and shrunk; whole sections swapped between examples; JSON text truncated or edited). Validation must
 * answer every one with well-formed problems and never fail internally; whenever it returns a spec, analyze() must
 * accept it and return finite, non-negative integers everywhere.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analysis';
import { Rng } from '../../src/core/random';
import { problemCodes, validate, validateText, type JsonPath, type Problem } from '../../src/core/validate';
import { allExamples } from './examples.tiers';
import { setAt as setAtStrict } from './validate.fixtures';

const examples = allExamples().map(({ dir, file }) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>);

type Json = unknown;

/** Every path in a value (objects and lists included), root first. */
function allPaths(v: Json, at: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => allPaths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) allPaths(x, [...at, k], out);
  return out;
}

/** setAt that leaves the value alone when the path runs through a non-container (mutations may have made one). */
function setAt(v: Json, p: JsonPath, x: Json): Json {
  for (let k = 0; k < p.length; k++) {
    const holder = getAt(v, p.slice(0, k));
    if (!holder || typeof holder !== 'object') return v;
  }
  return setAtStrict(v, p, x);
}

function getAt(v: Json, p: JsonPath): Json {
  return p.reduce<Json>((node, seg) => (node as Record<string | number, Json>)?.[seg], v);
}

/** Keys seen in the examples plus other names of the format, so renames hit real properties often. */
const keyNames = [
  ...new Set(
    examples.flatMap((e) =>
      allPaths(e)
        .map((p) => p[p.length - 1])
        .filter((k): k is string => typeof k === 'string'),
    ),
  ),
].concat([
  'qkDim',
  'factors',
  'kronecker',
  'curriculum',
  'startDims',
  'dimsIncrement',
  'schedule',
  'minLrRatio',
  'asha',
  'minBudget',
  'maxBudget',
  'trials',
  'int',
  'logUniform',
  'rankSplits',
  'levels',
  'multipleOf',
  'headDim',
  'mlpRatio',
  'weightClamp',
  'noise',
  'kindz',
  'rankz',
  '__proto__',
  'constructor',
]);
const strings = [
  '',
  'x',
  '64',
  'dense',
  'mlr',
  'mrl',
  'sliding-window',
  'global-local',
  'bilinear-mlr',
  'bilinear-btt',
  'mlbtc',
  'icl-regression',
  'language-model',
  'forecast',
  'dyadic',
  'coverage',
  'levels',
  'none',
  'mup',
  'standard',
  'btt',
  'low-rank',
  'monarch',
  'kronecker',
  'S',
  'M',
  'ett',
  'asha',
  'grid',
  'true',
  'null',
];
const oddValues: Json[] = [
  0,
  -1,
  1,
  2,
  2.5,
  1e9,
  1e300,
  -0,
  NaN,
  Infinity,
  -Infinity,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  'x',
  '64',
  true,
  false,
  null,
  [],
  [1, 2],
  [0],
  {},
  { kind: 'mlr' },
  [{}],
  [[1, 2]],
];

function mutateNumber(x: number, rng: Rng): number {
  const ops = [x * 2, x / 2, 0, -1, 1e9, x + 0.5, -x, x + 1, x - 1, x * 4, Math.round(x / 3), x * 1024];
  return ops[rng.int(ops.length)]!;
}

function mutate(v: Json, rng: Rng): Json {
  const paths = allPaths(v);
  const p = paths[rng.int(paths.length)]!;
  const target = getAt(v, p);
  const parent = p.slice(0, -1);
  const key = p[p.length - 1];
  switch (rng.int(9)) {
    case 0: {
      // delete the key or list item
      if (key === undefined) return v;
      const copy = structuredClone(v);
      const holder = getAt(copy, parent);
      if (Array.isArray(holder)) holder.splice(key as number, 1);
      else delete (holder as Record<string, Json>)[key as string];
      return copy;
    }
    case 1: {
      // duplicate the value under another key of a random object, or retarget it to another path
      const dest = paths[rng.int(paths.length)]!;
      const holder = getAt(v, dest);
      if (holder && typeof holder === 'object' && !Array.isArray(holder) && rng.next() < 0.6)
        return setAt(v, [...dest, keyNames[rng.int(keyNames.length)]!], target);
      return setAt(v, dest, target);
    }
    case 2: {
      // rename the key
      if (typeof key !== 'string') return v;
      const copy = structuredClone(v);
      const holder = getAt(copy, parent) as Record<string, Json>;
      const value = holder[key];
      delete holder[key];
      holder[keyNames[rng.int(keyNames.length)]!] = value;
      return copy;
    }
    case 3:
      return setAt(v, p, oddValues[rng.int(oddValues.length)]);
    case 4:
      return typeof target === 'number' ? setAt(v, p, mutateNumber(target, rng)) : setAt(v, p, oddValues[rng.int(oddValues.length)]);
    case 5:
      return typeof target === 'string' ? setAt(v, p, strings[rng.int(strings.length)]) : setAt(v, p, null);
    case 6: {
      // grow or shrink a list
      if (!Array.isArray(target)) return v;
      const copy = [...target];
      if (rng.next() < 0.5 && copy.length) copy.splice(rng.int(copy.length), 1);
      else copy.push(structuredClone(copy[rng.int(Math.max(1, copy.length))] ?? 1));
      return setAt(v, p, copy);
    }
    case 7: {
      // a whole section from another example: many of these stay valid, which exercises analyze()
      const section = ['task', 'model', 'attention', 'training', 'search'][rng.int(5)]!;
      const donor = examples[rng.int(examples.length)]![section];
      return donor === undefined ? v : setAt(v, [section], donor);
    }
    default: {
      // wrap a single attention structure into one head group of all heads (valid), or unwrap
      const spec = v as Record<string, Json>;
      if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return v;
      const att = spec.attention;
      const heads = (spec.model as Record<string, Json> | undefined)?.heads;
      if (att && typeof att === 'object' && !Array.isArray(att)) return setAt(v, ['attention'], [{ heads, ...att }]);
      return v;
    }
  }
}

function mutateText(text: string, rng: Rng): string {
  const at = rng.int(text.length + 1);
  switch (rng.int(4)) {
    case 0:
      return text.slice(0, at); // truncated file
    case 1:
      return text.slice(0, at) + text.slice(at + 1 + rng.int(8)); // characters deleted
    case 2:
      return (
        text.slice(0, at) +
        ['{', '}', '[', ']', ',', ':', '"', '\\', '/', '\n', '0', 'x', '\u0000', '\ufeff', '/*'][rng.int(15)] +
        text.slice(at)
      );
    default:
      return text.slice(0, at) + text.slice(at).replace(/\d/, String(rng.int(10)));
  }
}

function checkProblems(problems: Problem[], returnedSpec: boolean, sample: string): void {
  for (const p of problems) {
    assert.ok(p.code in problemCodes && p.code !== 'internal', `${p.code}: ${p.message}\n${sample}`);
    assert.ok(p.message.length > 0 && p.message.length < 1000, sample);
    assert.ok(Array.isArray(p.path), sample);
    for (const f of p.fixes ?? []) assert.ok(Array.isArray(f.path) && f.title.length > 0, sample);
  }
  assert.equal(returnedSpec, !problems.some((p) => p.severity === 'error'), sample);
}

/** Every number in an analysis must be a finite, non-negative integer. */
function checkCounts(v: unknown, where: string): void {
  if (typeof v === 'number') assert.ok(Number.isFinite(v) && v >= 0 && Number.isInteger(v), `${where} = ${v}`);
  else if (Array.isArray(v)) v.forEach((x, i) => checkCounts(x, `${where}[${i}]`));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) checkCounts(x, `${where}.${k}`);
}

describe('fuzzing validation with mutated examples', () => {
  it('10,000 seeded mutations: problems, never an exception; valid results analyse to finite non-negative integers', () => {
    const rng = new Rng(20250714);
    let valid = 0;
    let textCases = 0;
    for (let n = 0; n < 10_000; n++) {
      let v: Json = structuredClone(examples[rng.int(examples.length)]);
      const steps = 1 + rng.int(3);
      for (let s = 0; s < steps; s++) v = mutate(v, rng);
      const sample = `sample ${n}: ${JSON.stringify(v)?.slice(0, 600)}`;
      const result = validate(v);
      checkProblems(result.problems, result.spec !== undefined, sample);
      if (result.spec) {
        valid++;
        checkCounts(analyze(result.spec), `analyze(sample ${n})`);
      }
      if (n % 4 === 0) {
        textCases++;
        const text = mutateText(JSON.stringify(v, null, 2) ?? '', rng);
        const t = validateText(text);
        checkProblems(t.problems, t.spec !== undefined, `${sample}\ntext: ${JSON.stringify(text.slice(0, 300))}`);
        for (const p of t.problems) assert.ok(p.offset >= 0 && p.offset + p.length <= text.length && p.line >= 0 && p.column >= 0, sample);
        if (t.spec) checkCounts(analyze(t.spec), `analyze(text sample ${n})`);
      }
    }
    // The analyze() half must not be vacuous: a fair share of mutants stay valid.
    assert.ok(valid > 1000, `only ${valid} valid mutants`);
    assert.equal(textCases, 2500);
  });
});
