/** `mlbtc analyze`, run as the built bundle: the table, --json, and exit codes for valid, invalid, unreadable. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analysis';
import { validateText } from '../../src/core/validate';
import { mlbtc, paperExamples, position, scratch } from './cli.harness';

const dir = scratch();
const write = (name: string, content: string | Buffer) => {
  writeFileSync(path.join(dir, name), content);
  return name;
};
const invalidText = [
  '{',
  '  "name": "broken",',
  '  "task": { "kind": "language-model" },',
  '  "model": { "width": 256, "heads": 4, "layers": 2, "seqLen": 1024 },',
  '  "attention": { "kind": "mlr", "ranks": [32, 8, 6, 4, 4, 4, 4, 4] }',
  '}',
  '',
].join('\n');
const invalid = write('broken.mlbtc.json', invalidText);
const warned = write(
  'warned.mlbtc.json',
  JSON.stringify({ name: 'w', task: { kind: 'language-model' }, model: { width: 64, heads: 1, layers: 1, seqLen: 16 }, attention: { kind: 'sliding-window', window: 15 } }),
);

describe('mlbtc analyze FILE', () => {
  it('prints the analysis of the paper’s icl-dense with exact and short numbers', () => {
    const r = mlbtc(['analyze', 'icl-dense.mlbtc.json'], paperExamples);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^icl-dense {2}\(icl-dense\.mlbtc\.json\)$/m);
    assert.match(r.stdout, /^ {2}total +4,804,480 {2}4\.80 M$/m);
    // Per layer by hand: Q, K, V, O 4·256², MLP 8·256², two LayerNorms 2·256, QK-norm gains 2·32.
    assert.match(r.stdout, /^ {2}per layer \(× 6\) +787,008 {2}787 k$/m);
    assert.match(r.stdout, /^ {2}rank \/ max \(features\) +32 \/ 256$/m);
    // Score MACs per head: T²·r = 256²·32. KV cache: 6 layers · 8 heads · (32 + 32) · 4 bytes.
    assert.match(r.stdout, /^ {2}score MACs per head, one sequence +2,097,152 {2}2\.10 M$/m);
    assert.match(r.stdout, /^ {2}KV cache per token, all layers +12,288 B {2}12\.0 KiB$/m);
  });

  it('adds a head-group table when heads differ', () => {
    const r = mlbtc(['analyze', 'head-groups.mlbtc.json'], paperExamples);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /attention: 4 × mlr \+ 4 × dense/);
    assert.match(r.stdout, /^Head groups$/m);
    assert.match(r.stdout, /^ +0 +4 {2}mlr +1,024 \/ 1,024 \(sequence\)/m);
    assert.match(r.stdout, /^ +1 +4 {2}dense +64 \/ 512 \(features\)/m);
  });

  it('--json gives the analysis fields, equal to core analyze(), and empty error lists', () => {
    const r = mlbtc(['analyze', 'icl-dense.mlbtc.json', '--json'], paperExamples);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.params.total, 4_804_480);
    assert.equal(out.layers[0].params, 787_008);
    assert.deepEqual([out.rank.scoring, out.rank.max, out.rank.space], [32, 256, 'features']);
    assert.equal(out.macs.scoresPerHead, 256 * 256 * 32);
    // Per token by hand: 6 layers of projections (4·256²) and MLP (8·256²), plus read-in 64·256 and read-out 256.
    assert.equal(out.macs.perToken, 6 * 12 * 256 * 256 + 64 * 256 + 256);
    assert.equal(out.kvCacheBytesPerToken, 6 * 8 * (32 + 32) * 4);
    assert.deepEqual(out.errors, []);
    assert.deepEqual(out.warnings, []);
    const spec = validateText(readFileSync(path.join(paperExamples, 'icl-dense.mlbtc.json'), 'utf8')).spec!;
    const { file, name, errors, warnings, ...rest } = out;
    assert.deepEqual([file, name, errors, warnings], ['icl-dense.mlbtc.json', 'icl-dense', [], []]);
    assert.deepEqual(rest, JSON.parse(JSON.stringify(analyze(spec))));
  });

  it('prints warnings to stderr and still analyses', () => {
    const r = mlbtc(['analyze', warned], dir);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /^warned\.mlbtc\.json:1:\d+: warning: attention\.window 15 spans the whole sequence.*\[window-covers-all\]$/m);
    assert.match(r.stdout, /^ {2}total /m);
    const json = JSON.parse(mlbtc(['analyze', warned, '--json'], dir).stdout);
    assert.deepEqual(json.warnings.map((w: { code: string }) => w.code), ['window-covers-all']);
  });

  it('exits 1 on an invalid file with each error located, and prints no analysis', () => {
    const r = mlbtc(['analyze', invalid], dir);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    const at = position(invalidText, '[32, 8');
    assert.match(r.stderr, new RegExp(`^broken\\.mlbtc\\.json:${at.line}:${at.column}: error: attention\\.ranks sum to 66 .* \\[ranks-sum\\]$`, 'm'));
    assert.match(r.stderr, /broken\.mlbtc\.json: not analysed: fix the error above/);
  });

  it('--json on an invalid file prints the errors with paths and positions, exit 1', () => {
    const r = mlbtc(['analyze', invalid, '--json'], dir);
    assert.equal(r.status, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.params, undefined);
    assert.equal(out.errors.length, 1);
    const at = position(invalidText, '[32, 8');
    assert.deepEqual(out.errors[0], {
      path: ['attention', 'ranks'],
      message: 'attention.ranks sum to 66 (32 + 8 + 6 + 4 + 4 + 4 + 4 + 4), but the levels split each head\'s 64 dimensions (model.headDim), so they must sum to 64',
      code: 'ranks-sum',
      line: at.line,
      column: at.column,
    });
  });

  it('exits 2 on unreadable input: missing, a directory, not UTF-8 — with --json too', () => {
    const notUtf8 = write('latin1.mlbtc.json', Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
    for (const [file, reason] of [['missing.mlbtc.json', 'no such file'], ['.', 'is a directory'], [notUtf8, 'is not UTF-8 text']] as const) {
      const r = mlbtc(['analyze', file], dir);
      assert.equal(r.status, 2, file);
      assert.equal(r.stdout, '');
      assert.ok(r.stderr.includes(`cannot read ${file}: ${reason}`), r.stderr);
      const j = mlbtc(['analyze', file, '--json'], dir);
      assert.equal(j.status, 2);
      const out = JSON.parse(j.stdout);
      assert.equal(out.errors[0].code, 'unreadable');
      assert.ok(out.errors[0].message.includes(reason));
    }
  });

  it('exits 2 on a wrong command line, and --help explains the command', () => {
    for (const args of [['analyze'], ['analyze', 'a.json', 'b.json'], ['analyze', 'icl-dense.mlbtc.json', '--jsn']]) {
      const r = mlbtc(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /Usage: mlbtc analyze FILE \[--json\]/);
    }
    const h = mlbtc(['analyze', '--help']);
    assert.equal(h.status, 0);
    assert.ok(h.stdout.startsWith('Usage: mlbtc analyze FILE [--json]\n'));
    assert.match(h.stdout, /--json/);
    assert.match(h.stdout, /Exit status: 0 valid, 1 invalid/);
  });
});
