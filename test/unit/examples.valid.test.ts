/**
 * The examples workspace: every spec is valid without a single warning, follows the paper settings the brief
 * names, covers every family, and its data files exist and are large enough for the task's splits.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { analyze } from '../../src/core/analysis';
import { AttentionKinds } from '../../src/core/spec/schema';
import type { ResolvedSpec } from '../../src/core/spec/resolve';
import { validateText } from '../../src/core/validate';

const dir = path.join(__dirname, '..', '..', 'examples');
const files = readdirSync(dir).filter((f) => f.endsWith('.mlbtc.json')).sort();

function load(file: string): { raw: Record<string, any>; spec: ResolvedSpec } {
  const text = readFileSync(path.join(dir, file), 'utf8');
  const { problems, spec } = validateText(text);
  assert.deepEqual(problems, [], `${file}: ${problems.map((p) => `${p.line + 1}:${p.column + 1} ${p.message}`).join('\n')}`);
  assert.ok(spec, file);
  return { raw: JSON.parse(text), spec };
}

describe('examples', () => {
  it('include the eleven specs of the brief', () => {
    assert.deepEqual(files, [
      'char-lm-dense.mlbtc.json',
      'char-lm-global-local.mlbtc.json',
      'char-lm-mlr.mlbtc.json',
      'char-lm-sliding-window.mlbtc.json',
      'forecast-mlr.mlbtc.json',
      'head-groups.mlbtc.json',
      'icl-bilinear-btt.mlbtc.json',
      'icl-bilinear-mlr.mlbtc.json',
      'icl-dense.mlbtc.json',
      'mlbtc-btt.mlbtc.json',
      'mlbtc-two-level.mlbtc.json',
    ]);
  });

  for (const file of files) {
    it(`${file} is valid, warning-free, named after its file, and says which paper setting it follows`, () => {
      const { raw, spec } = load(file);
      assert.equal(raw.name, file.replace('.mlbtc.json', ''));
      assert.match(spec.description ?? '', /§\d/);
      const analysis = analyze(spec);
      assert.ok(analysis.params.total > 0);
    });
  }

  it('cover every attention family, and one file mixes families across head groups', () => {
    const kinds = new Set(files.flatMap((f) => load(f).spec.groups.map((g) => g.attention.kind)));
    assert.deepEqual([...kinds].sort(), [...AttentionKinds].sort());
    const mixed = files.map((f) => load(f).spec).filter((s) => new Set(s.groups.map((g) => g.attention.kind)).size > 1);
    assert.equal(mixed.length, 1);
  });

  it('icl-dense has the reference ICL settings and 4,804,480 parameters, counted here by hand as well', () => {
    const { spec } = load('icl-dense.mlbtc.json');
    const { model: m, training: t, task } = spec;
    assert.equal(task.kind, 'icl-regression');
    assert.deepEqual([task.kind === 'icl-regression' && task.inputDim, m.seqLen, m.width, m.heads, m.layers], [64, 256, 256, 8, 6]);
    assert.deepEqual([t.batchSize, t.lr, t.warmupSteps, t.gradClip], [64, 1e-4, 1000, null]);
    assert.equal(spec.groups[0]!.attention.kind === 'dense' && spec.groups[0]!.attention.logitScale, 'standard');
    // Per layer: Q, K, V, O (4·D²), MLP (2·4·D²), ln_1 and ln_2 (2·D), QK-norm gains shared by heads (2·r).
    const D = m.width;
    const perLayer = 4 * D * D + 2 * m.mlpRatio * D * D + 2 * D + 2 * m.headDim;
    // Outside: read-in 64·D, positions T·D, ln_f D, read-out D.
    const hand = m.layers * perLayer + 64 * D + m.seqLen * D + D + D;
    assert.equal(hand, 4_804_480);
    assert.equal(analyze(spec).params.total, 4_804_480);
  });

  it('ICL examples share the reference shape and training', () => {
    for (const f of files.filter((f) => f.startsWith('icl-') || f.startsWith('mlbtc-'))) {
      const { spec } = load(f);
      assert.equal(spec.task.kind, 'icl-regression', f);
      assert.deepEqual([spec.model.seqLen, spec.model.width, spec.model.heads, spec.model.layers], [256, 256, 8, 6], f);
      assert.deepEqual([spec.training.batchSize, spec.training.lr, spec.training.warmupSteps], [64, 1e-4, 1000], f);
    }
    const btt = load('icl-bilinear-btt.mlbtc.json').spec.groups[0]!.attention;
    assert.deepEqual(btt.kind === 'bilinear-btt' && [btt.rank, btt.factors], [1, [8, 32]]);
    const mlr = load('icl-bilinear-mlr.mlbtc.json').spec.groups[0]!.attention;
    assert.deepEqual(mlr.kind === 'bilinear-mlr' && mlr.ranks, [8, 8, 8, 8]);
  });

  it('character-LM examples share the reference LM shape; the MLR one has the final-run ranks', () => {
    for (const f of files.filter((f) => f.startsWith('char-lm-'))) {
      const { spec } = load(f);
      assert.deepEqual([spec.model.width, spec.model.heads, spec.model.headDim, spec.model.layers, spec.model.seqLen], [256, 4, 64, 6, 1024], f);
      assert.deepEqual([spec.training.batchSize, spec.training.warmupSteps, spec.training.gradClip], [32, 2000, 1], f);
    }
    const a = load('char-lm-mlr.mlbtc.json').spec.groups[0]!.attention;
    assert.deepEqual(a.kind === 'mlr' && [a.ranks, a.blockSizes, a.normalize], [[32, 8, 6, 4, 4, 4, 4, 2], [1024, 512, 256, 128, 64, 32, 16, 8], 'coverage']);
    const sw = load('char-lm-sliding-window.mlbtc.json').spec.groups[0]!.attention;
    assert.equal(sw.kind === 'sliding-window' && sw.window, 512);
    const gl = load('char-lm-global-local.mlbtc.json').spec.groups[0]!.attention;
    assert.deepEqual(gl.kind === 'global-local' && [gl.split, gl.window], [[32, 32], 512]);
  });

  it('mlbtc-btt is Bilinear BTT in MLBTC form: same parameters and scoring rank', () => {
    const a = analyze(load('mlbtc-btt.mlbtc.json').spec);
    const b = analyze(load('icl-bilinear-btt.mlbtc.json').spec);
    assert.equal(a.params.total, b.params.total);
    assert.deepEqual(a.rank, b.rank);
  });
});

describe('example data', () => {
  it('every data path resolves inside examples/', () => {
    for (const f of files) {
      const { spec } = load(f);
      if (!('data' in spec.task) || spec.task.data === undefined) continue;
      const resolved = path.resolve(dir, spec.task.data);
      assert.ok(resolved.startsWith(dir + path.sep), `${f}: ${spec.task.data}`);
      assert.ok(existsSync(resolved), `${f}: ${resolved}`);
    }
  });

  it('the text is long enough for a full validation sequence and fits the vocabulary', () => {
    for (const f of files) {
      const { spec } = load(f);
      if (spec.task.kind !== 'language-model' || !spec.task.data) continue;
      const text = readFileSync(path.resolve(dir, spec.task.data), 'utf8');
      // 90/10 split: the validation tenth must hold one sequence plus its shifted target.
      assert.ok(Math.floor(text.length * 0.1) >= spec.model.seqLen + 1, `${f}: ${text.length} characters`);
      assert.ok(new Set(text).size <= spec.task.vocabSize, f);
    }
  });

  it('the ETT-layout sample has the ETTh1 columns, the channels of the spec, and enough rows', () => {
    const { spec } = load('forecast-mlr.mlbtc.json');
    assert.equal(spec.task.kind, 'forecast');
    if (spec.task.kind !== 'forecast') return;
    const lines = readFileSync(path.resolve(dir, spec.task.data!), 'utf8').trimEnd().split('\n');
    const header = lines[0]!.split(',');
    assert.deepEqual(header, ['date', 'HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT']);
    assert.ok(header.includes(spec.task.target));
    assert.equal(spec.task.channels, header.length - 1);
    const rows = lines.slice(1).map((l) => l.split(','));
    assert.ok(rows.every((r) => r.length === header.length && r.slice(1).every((x) => Number.isFinite(Number(x)))));
    const split = spec.task.split as number[];
    assert.ok(Math.floor(rows.length * split[0]!) >= spec.model.seqLen, 'the training part holds at least one window');
    // Hourly, consecutive timestamps.
    const t0 = Date.parse(`${rows[0]![0]}Z`);
    rows.forEach((r, i) => assert.equal(Date.parse(`${r[0]}Z`), t0 + i * 3_600_000));
  });

  it('the committed CSV is exactly what the seeded generator writes', async () => {
    const gen = (await import(pathToFileURL(path.join(dir, 'data', 'generate-ett-sample.mjs')).href)) as { generate(): string };
    assert.equal(gen.generate(), readFileSync(path.join(dir, 'data', 'ett-sample.csv'), 'utf8'));
  });
});
