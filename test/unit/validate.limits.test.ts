/**
 * Spec text past its limits (SPEC_TEXT_LIMITS): deeply nested and huge inputs are answered with one clear problem,
 * never a stack overflow or gigabytes of memory. Seeded fuzz of nesting shapes around the limit (objects, lists,
 * brackets inside strings, escapes), huge files refused by size before they are read, a FIFO refused without
 * blocking, and the CLI exiting 1 (not 70, an internal error) on a 2,800-level file.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/core/random';
import { SPEC_TEXT_LIMITS, validate, validateText, withinSpecTextLimits } from '../../src/core/validate';
import { readSpecFile } from '../../src/cli/readSpec';
import { repoRoot, tempDir } from './runs.helpers';

/** A value nested `depth` levels, each level an object or a list chosen by `rng`, with bracket-laden strings beside it. */
function nested(depth: number, rng: Rng): string {
  let text = '1';
  for (let d = 0; d < depth; d++) {
    const noise = JSON.stringify(`[{"\\${'}'.repeat(rng.int(3))}`);
    text = rng.next() < 0.5 ? `{"k${d}": ${text}, "s": ${noise}}` : `[${noise}, ${text}]`;
  }
  return text;
}

describe('spec text limits', () => {
  it('answers nesting past the limit with one "too-deep" problem, and accepts nesting up to it (seeded fuzz)', () => {
    const rng = new Rng(12);
    for (let i = 0; i < 300; i++) {
      const depth = i % 3 === 0 ? 2800 : SPEC_TEXT_LIMITS.maxDepth - 2 + rng.int(5);
      const text = rng.next() < 0.5 ? nested(depth, rng) : `{"name": "x", "model": ${nested(depth, rng)}}`;
      const outer = text.startsWith('{"name"') ? 1 : 0;
      const { problems, spec } = validateText(text);
      assert.equal(spec, undefined);
      if (depth + outer > SPEC_TEXT_LIMITS.maxDepth) {
        assert.deepEqual(
          problems.map((p) => p.code),
          ['too-deep'],
          `depth ${depth + outer}`,
        );
        assert.match(problems[0]!.message, /nest more than 64 levels/);
        assert.equal(withinSpecTextLimits(text), false);
      } else {
        assert.ok(
          problems.every((p) => p.code !== 'too-deep'),
          `depth ${depth + outer}: ${problems[0]?.message}`,
        );
        assert.equal(withinSpecTextLimits(text), true);
      }
    }
  });

  it('answers text past the size limit without parsing it', () => {
    const { problems } = validateText(`{"name": "${'x'.repeat(SPEC_TEXT_LIMITS.maxChars)}"}`);
    assert.deepEqual(
      problems.map((p) => p.code),
      ['too-large'],
    );
    assert.match(problems[0]!.message, /at most 1,000,000/);
  });

  it('refuses huge files by their size, and a FIFO without blocking', () => {
    const dir = tempDir('limits');
    const huge = path.join(dir, 'huge.mlbtc.json');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 50 * 1024 * 1024); // sparse: 50 MB that cost nothing to make
    const read = readSpecFile(huge, dir);
    assert.equal(read.ok, false);
    assert.match((read as { reason: string }).reason, /is 52,428,800 bytes; spec files are at most/);
    const fifo = path.join(dir, 'pipe.mlbtc.json');
    execFileSync('mkfifo', [fifo]);
    assert.deepEqual(readSpecFile(fifo, dir), { ok: false, reason: 'is not a regular file (a pipe, device or socket)' });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('makes `mlbtc validate` exit 1 with a located problem on a 2,800-level file, not crash', () => {
    const dir = tempDir('limits-cli');
    fs.writeFileSync(path.join(dir, 'deep.mlbtc.json'), `{"name": ${'['.repeat(2800)}${']'.repeat(2800)}}`);
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'src/cli.ts'), 'validate', path.join(dir, 'deep.mlbtc.json')],
      { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout + r.stderr, /deep\.mlbtc\.json:1:\d+: error: objects and lists nest more than 64 levels/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers absurd training values with a range problem on their field', () => {
    const spec = JSON.parse(fs.readFileSync(path.join(repoRoot, 'examples', 'char-lm-dense.mlbtc.json'), 'utf8'));
    const absurd: Record<string, number> = {
      steps: 1e12,
      batchSize: 1e9,
      lr: 1e300,
      evalBatches: 1e9,
      seed: 2 ** 32,
      warmupSteps: 1e12,
      logEvery: 1e12,
    };
    const { problems } = validate({ ...spec, task: { ...spec.task, vocabSize: 1e9 }, training: { ...spec.training, ...absurd } });
    const ranged = problems.filter((p) => p.code === 'range').map((p) => p.path.join('.'));
    for (const key of Object.keys(absurd)) assert.ok(ranged.includes(`training.${key}`), `training.${key}: ${ranged.join(', ')}`);
    assert.ok(ranged.includes('task.vocabSize'));
    assert.equal(
      validate({ ...spec, training: { ...spec.training, seed: 2 ** 32 - 1 } }).problems.filter((p) => p.severity === 'error').length,
      0,
    );
  });
});
