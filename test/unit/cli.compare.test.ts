/** `mlbtc compare`: the family set written to a folder (valid specs, data rebased), and its refusals. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { validateText } from '../../src/core/validate';
import { examples, mlbtc } from './cli.harness';

const out = mkdtempSync(path.join(os.tmpdir(), 'mlbtc-compare-'));
after(() => rmSync(out, { recursive: true, force: true }));

describe('mlbtc compare', () => {
  it('writes one valid spec per sequence family for a language model, its data path rebased onto the folder', () => {
    const r = mlbtc(['compare', 'char-lm-mlr.mlbtc.json', '--budget', '4e5', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      readdirSync(out).sort(),
      ['char-lm-mlr-dense', 'char-lm-mlr-global-local', 'char-lm-mlr-mlr', 'char-lm-mlr-sliding-window'].map((n) => `${n}.mlbtc.json`),
    );
    for (const f of readdirSync(out)) {
      const text = readFileSync(path.join(out, f), 'utf8');
      const { spec } = validateText(text);
      assert.ok(spec, f);
      assert.equal(path.resolve(out, JSON.parse(text).task.data), path.join(examples, 'data', 'shakespeare.txt'));
    }
    assert.match(r.stdout, /mlr +head size +\d+ +[\d,]+ +[+-]\d+\.\d%/);
  });

  it('refuses a missing budget (2) and a budget no family can reach (1)', () => {
    assert.equal(mlbtc(['compare', 'char-lm-mlr.mlbtc.json']).status, 2);
    const r = mlbtc(['compare', 'char-lm-mlr.mlbtc.json', '--budget', '5', '--out', path.join(out, 'none')]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /dense +skipped: its nearest valid size/);
  });
});
