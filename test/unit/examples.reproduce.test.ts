/**
 * examples/reproduce (docs/reproduction.md): every study file is valid, plans trials of at least two attention
 * families (or is a family sweep or the GSWA companion), and names its data by a relative path (the repository
 * holds no absolute path).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'jsonc-parser';
import type { StructureSpec } from '../../src/core/spec/schema';
import { familyOfLayers } from '../../src/core/study/study';
import { validateText } from '../../src/core/validate';
import { planSearch } from '../../src/runs/search/plan';

const dir = path.join(__dirname, '..', '..', 'examples', 'reproduce');
const files = [
  ...readdirSync(dir).filter((f) => f.endsWith('.mlbtc.json')),
  ...readdirSync(path.join(dir, 'full')).map((f) => path.join('full', f)),
];

describe('examples/reproduce', () => {
  it('has the small and the full study of each claim', () => {
    for (const f of [
      'icl-small',
      'lm-small',
      'forecast-small',
      'full/icl-dense',
      'full/icl-bilinear-btt',
      'full/icl-bilinear-mlr',
      'full/lm',
      'full/forecast',
    ]) {
      assert.ok(files.includes(`${f.replace('/', path.sep)}.mlbtc.json`), f);
    }
  });
  for (const file of files) {
    it(`${file}: valid, a search over structures, relative data`, () => {
      const text = readFileSync(path.join(dir, file), 'utf8');
      const { spec, problems } = validateText(text);
      assert.ok(spec, JSON.stringify(problems));
      assert.deepEqual(
        problems.filter((p) => p.severity === 'error'),
        [],
      );
      const plan = planSearch(parse(text) as StructureSpec);
      const families = new Set(plan.trials.map((t) => familyOfLayers(t.spec.layers)));
      // A full ICL file sweeps one family over five widths; the GSWA file adds one trial to the LM study.
      if (file.startsWith(`full${path.sep}icl-`)) assert.equal(plan.trials.length, 5);
      else if (file.endsWith('-gswa.mlbtc.json')) assert.deepEqual([...families], ['dense|sliding-window']);
      else assert.ok(families.size >= 2, `${file}: ${[...families].join(', ')}`);
      const data = (spec.task as { data?: string }).data;
      if (data !== undefined) assert.ok(!path.isAbsolute(data), data);
    });
  }
});
