/** `mlbtc validate FILE...` and the dispatcher, run as the built bundle. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { examples, mlbtc, paperExamples, position, repo, scratch } from './cli.harness';

const dir = scratch();
const write = (name: string, content: string) => {
  writeFileSync(path.join(dir, name), content);
  return name;
};
const good = write('good.mlbtc.json', readFileSync(path.join(examples, 'icl-dense.mlbtc.json'), 'utf8'));
const badText =
  '{\n  "name": "b",\n  "task": { "kind": "icl-regression", "inputDim": 16 },\n  "model": { "width": 64, "heads": 4, "layers": 2, "seqLen": 60 },\n  "attention": { "kind": "mrl" }\n}\n';
const bad = write('bad.mlbtc.json', badText);
const syntaxText = '{\n  "name": "s",\n}\n';
const syntax = write('syntax.mlbtc.json', syntaxText);
const warnText = JSON.stringify({
  name: 'w',
  task: { kind: 'language-model' },
  model: { width: 64, heads: 1, layers: 1, seqLen: 16 },
  attention: { kind: 'sliding-window', window: 15 },
});
const warn = write('warn.mlbtc.json', warnText);

describe('mlbtc validate FILE...', () => {
  it('accepts every example, trainable and paper: exit 0 and a summary only', () => {
    const specs = (dir: string) =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.mlbtc.json'))
        .map((f) => path.relative(examples, path.join(dir, f)));
    const files = [...specs(examples), ...specs(paperExamples)];
    assert.ok(files.some((f) => f.startsWith(`paper${path.sep}`)));
    const r = mlbtc(['validate', ...files]);
    assert.equal(r.status, 0, r.stdout);
    assert.equal(r.stdout, `${files.length} files: ${files.length} valid (0 errors, 0 warnings)\n`);
  });

  it('prints file:line:col: severity: message [code] with 1-based positions, exit 1 when any file is invalid', () => {
    const r = mlbtc(['validate', good, bad, warn], dir);
    assert.equal(r.status, 1);
    const lines = r.stdout.trimEnd().split('\n');
    const seq = position(badText, '60 }');
    const kind = position(badText, '"mrl"');
    assert.deepEqual(lines.slice(0, 2), [
      `bad.mlbtc.json:${seq.line}:${seq.column}: error: model.seqLen must be 4 × task.inputDim = 64 for in-context regression (a prompt of 32 (x, y) pairs is 64 tokens); got 60 [icl-seq-len]`,
      `bad.mlbtc.json:${kind.line}:${kind.column}: error: attention.kind must be one of dense, sliding-window, global-local, mlr, bilinear-mlr, bilinear-btt, mlbtc (got "mrl"); did you mean "mlr"? [enum]`,
    ]);
    const w = position(warnText, '15}');
    assert.match(lines[2]!, new RegExp(`^warn\\.mlbtc\\.json:1:${w.column}: warning: .* \\[window-covers-all\\]$`));
    assert.equal(lines[3], '3 files: 2 valid, 1 invalid (2 errors, 1 warning)');
    assert.equal(lines.length, 4);
  });

  it('locates syntax errors', () => {
    const r = mlbtc(['validate', syntax], dir);
    assert.equal(r.status, 1);
    const at = position(syntaxText, '}\n');
    assert.ok(r.stdout.startsWith(`syntax.mlbtc.json:${at.line}:${at.column}: error: trailing comma before "}"`), r.stdout);
  });

  it('exits 2 when any file is unreadable, still checking the others', () => {
    const r = mlbtc(['validate', bad, 'missing.mlbtc.json', good], dir);
    assert.equal(r.status, 2);
    assert.match(r.stdout, /^missing\.mlbtc\.json: error: cannot read: no such file \[unreadable\]$/m);
    assert.match(r.stdout, /\[icl-seq-len\]/);
    assert.match(r.stdout, /^3 files: 1 valid, 1 invalid, 1 unreadable \(2 errors, 0 warnings\)$/m);
  });

  it('exits 2 without files, and explains itself with --help', () => {
    const r = mlbtc(['validate']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /give at least one file/);
    const h = mlbtc(['validate', '--help']);
    assert.equal(h.status, 0);
    assert.ok(h.stdout.startsWith('Usage: mlbtc validate FILE...\n'));
  });
});

describe('mlbtc', () => {
  it('lists the commands with --help (exit 0) and without a command (stderr, exit 2)', () => {
    const h = mlbtc(['--help']);
    assert.equal(h.status, 0);
    assert.match(h.stdout, /^Usage: mlbtc <command> \[options\]$/m);
    assert.match(h.stdout, /^ {2}analyze +parameters, compute, scoring rank and memory of a spec$/m);
    assert.match(h.stdout, /^ {2}validate +check specs/m);
    const none = mlbtc([]);
    assert.equal(none.status, 2);
    assert.equal(none.stdout, '');
    assert.equal(none.stderr, h.stdout);
  });

  it('rejects an unknown command with the usage, exit 2', () => {
    const r = mlbtc(['analyse']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^mlbtc: unknown command "analyse"$/m);
    assert.match(r.stderr, /Usage: mlbtc <command>/);
  });

  it('prints the package version, and `help COMMAND` is COMMAND --help', () => {
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
    assert.equal(mlbtc(['--version']).stdout, `${pkg.version}\n`);
    assert.equal(mlbtc(['help', 'validate']).stdout, mlbtc(['validate', '--help']).stdout);
  });
});
