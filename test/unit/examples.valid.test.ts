/**
 * The examples workspace, in two tiers with the same twelve names:
 * - examples/*.mlbtc.json train on a laptop CPU in minutes (`mlbtc train FILE --steps 200`), each a scaled-down
 *   copy of its paper twin that keeps the twin's structure;
 * - examples/paper/*.mlbtc.json hold the paper's exact settings and the reference code's training settings
 *   (docs/choices.md), which analysis, lenses and the trade-off view compare against.
 * Every spec in both tiers is valid without a single warning, and its data files exist and are large enough for
 * the task's splits.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { analyze } from '../../src/core/analysis';
import { AttentionKinds } from '../../src/core/spec/schema';
import { factorize, type ResolvedAttention, type ResolvedHeadGroup, type ResolvedSpec } from '../../src/core/spec/resolve';
import { validateText } from '../../src/core/validate';
import { curriculumAfter } from '../../src/engine/tasks/iclRegression';
import { allExamples, examplesRoot as root, exampleTiers as tiers, specFiles } from './examples.tiers';

const paperDir = tiers[1].dir;
const files = specFiles(root);

/** The file as raw JSON (indexed freely by the checks below) and as the resolved spec. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function load(dir: string, file: string): { raw: Record<string, any>; spec: ResolvedSpec } {
  const text = readFileSync(path.join(dir, file), 'utf8');
  const { problems, spec } = validateText(text);
  assert.deepEqual(problems, [], `${path.relative(root, path.join(dir, file))}: ${problems.map((p) => `${p.line + 1}:${p.column + 1} ${p.message}`).join('\n')}`);
  assert.ok(spec, file);
  return { raw: JSON.parse(text), spec };
}
const paper = (file: string) => load(paperDir, file);

/** The shortest run of layers that repeats to all of them (structures compared by value): a uniform spec's is one layer. */
function motif(spec: ResolvedSpec): ResolvedHeadGroup[][] {
  const layers = spec.layers.map((l) => JSON.stringify(l.groups));
  const n = layers.length;
  const period = Array.from({ length: n }, (_, p) => p + 1).find((p) => n % p === 0 && layers.every((l, i) => l === layers[i % p]))!;
  return spec.layers.slice(0, period).map((l) => l.groups);
}

/**
 * What a scaled-down example must keep of its paper twin: its motif of layer structures, and per head group its share of the heads, its family and
 * every option, with the sizes that shrink with the model expressed relative to it (windows and block sizes as
 * fractions of seqLen, bilinear-MLR ranks and global-local splits as fractions of headDim, factor pairs by kind).
 * Sequence-MLR ranks stay absolute: the trainable examples keep headDim 64 so the paper's ranks stay valid.
 */
function structure(spec: ResolvedSpec) {
  const { seqLen: T, headDim: r, heads, width } = spec.model;
  const factorKind = ([a, b]: [number, number], m: number) =>
    a === factorize(m)[0] && b === factorize(m)[1] ? 'reference' : a === m && b === 1 ? 'column' : a === 1 && b === m ? 'row' : `${a}×${b}`;
  const family = (a: ResolvedAttention) => {
    switch (a.kind) {
      case 'dense':
        return { ...a, qkDim: a.qkDim / r };
      case 'sliding-window':
        return { ...a, window: a.window / T };
      case 'global-local':
        return { ...a, window: a.window / T, split: a.split.map((s) => s / r) };
      case 'mlr':
        return { ...a, blockSizes: a.blockSizes.map((b) => b / T) };
      case 'bilinear-mlr':
        return { ...a, ranks: a.ranks.map((k) => k / r) };
      case 'bilinear-btt':
        return { ...a, factors: factorKind(a.factors, width) };
      case 'mlbtc':
        return { ...a, levels: a.levels.map((l) => ({ ...l, out: factorKind(l.out, width / l.blocks), in: factorKind(l.in, width / l.blocks) })) };
    }
  };
  // The task's kind and what it reads, not its sizes (prompt length, lookback, horizon) nor where the file lies.
  const { task } = spec;
  return {
    task:
      task.kind === 'icl-regression'
        ? { kind: task.kind, noise: task.noise }
        : task.kind === 'forecast'
          ? { kind: task.kind, channels: task.channels, features: task.features, target: task.target, split: task.split }
          : { kind: task.kind, vocabSize: task.vocabSize },
    layers: motif(spec).map((groups) => groups.map((g) => ({ share: g.heads / heads, attention: family(g.attention) }))),
    training: { schedule: spec.training.schedule, gradClip: spec.training.gradClip === null ? null : 'clipped', weightDecay: spec.training.weightDecay },
  };
}

describe('examples', () => {
  it('both tiers hold the twelve specs of the briefs, under the same names', () => {
    const names = [
      'char-lm-dense.mlbtc.json',
      'char-lm-global-local.mlbtc.json',
      'char-lm-mlr.mlbtc.json',
      'char-lm-sequential-gswa.mlbtc.json',
      'char-lm-sliding-window.mlbtc.json',
      'forecast-mlr.mlbtc.json',
      'head-groups.mlbtc.json',
      'icl-bilinear-btt.mlbtc.json',
      'icl-bilinear-mlr.mlbtc.json',
      'icl-dense.mlbtc.json',
      'mlbtc-btt.mlbtc.json',
      'mlbtc-two-level.mlbtc.json',
    ];
    assert.deepEqual(files, names);
    assert.deepEqual(specFiles(paperDir), names);
  });

  for (const { tier, dir } of tiers) {
    for (const file of specFiles(dir)) {
      it(`${tier}: ${file} is valid, warning-free, named after its file, and says which paper setting it follows`, () => {
        const { raw, spec } = load(dir, file);
        assert.equal(raw.name, file.replace('.mlbtc.json', ''));
        assert.match(spec.description ?? '', /§\d/);
        assert.ok(analyze(spec).params.total > 0);
      });
    }

    it(`${tier}: the examples cover every attention family, one file mixes families across head groups and one across layers`, () => {
      const specs = specFiles(dir).map((f) => load(dir, f).spec);
      const kinds = new Set(specs.flatMap((s) => s.layers.flatMap((l) => l.groups.map((g) => g.attention.kind))));
      assert.deepEqual([...kinds].sort(), [...AttentionKinds].sort());
      assert.equal(specs.filter((s) => s.layers.some((l) => new Set(l.groups.map((g) => g.attention.kind)).size > 1)).length, 1);
      const perLayer = specs.filter((s) => new Set(s.layers.map((l) => JSON.stringify(l.groups))).size > 1);
      assert.deepEqual(perLayer.map((s) => s.name), ['char-lm-sequential-gswa']);
      // Sequential GSWA: "MHA|SWA|SWA" repeated, as the reference's layer string.
      assert.deepEqual(perLayer[0]!.layers.map((l) => l.groups[0]!.attention.kind === 'dense' ? 'MHA' : 'SWA').join('|'), tier === 'paper' ? 'MHA|SWA|SWA|MHA|SWA|SWA' : 'MHA|SWA|SWA');
    });

    it(`${tier}: mlbtc-btt is Bilinear BTT in MLBTC form: same parameters and scoring rank`, () => {
      const a = analyze(load(dir, 'mlbtc-btt.mlbtc.json').spec);
      const b = analyze(load(dir, 'icl-bilinear-btt.mlbtc.json').spec);
      assert.equal(a.params.total, b.params.total);
      assert.deepEqual(a.rank, b.rank);
    });
  }
});

describe('trainable examples', () => {
  for (const file of files) {
    it(`${file} keeps the structure of examples/paper/${file} at a smaller size, and says so`, () => {
      const small = load(root, file).spec;
      const big = paper(file).spec;
      assert.ok(small.description!.includes(`examples/paper/${file}`), 'the description points to the paper setting');
      assert.deepEqual(structure(small), structure(big));
      const data = (spec: ResolvedSpec, dir: string) => ('data' in spec.task && spec.task.data ? path.resolve(dir, spec.task.data) : undefined);
      assert.equal(data(small, root), data(big, paperDir), 'the same data file');
      const macsPerStep = (s: ResolvedSpec) => analyze(s).macs.perSequence * s.training.batchSize;
      assert.ok(macsPerStep(small) < macsPerStep(big) / 10, 'a training step costs a small fraction of the paper one');
    });
  }

  it('fit `mlbtc train --steps 200` on a laptop CPU: 1–4 k tokens per step, warm-up, evaluations and a checkpoint inside 200 steps', () => {
    for (const file of files) {
      const { training: t, model } = load(root, file).spec;
      const tokens = t.batchSize * model.seqLen;
      // ICL needs batch 64 (4,096 tokens) to leave the zero predictor's plateau within 200 steps (docs/choices.md).
      assert.ok(tokens >= 1000 && tokens <= 4096, `${file}: ${tokens} tokens per step`);
      assert.ok(t.warmupSteps < 200 && t.evalEvery < 200 && t.checkpointEvery <= 200, file);
      assert.ok(model.width <= 128 && model.layers <= 3, `${file}: width ${model.width}, ${model.layers} layers`);
    }
  });

  it('ICL examples compress the curriculum so that 200 steps stay in its first, one-dimensional stage', () => {
    for (const f of files.filter((f) => f.startsWith('icl-') || f.startsWith('mlbtc-'))) {
      const { task, training } = load(root, f).spec;
      assert.ok(task.kind === 'icl-regression', f);
      assert.deepEqual(curriculumAfter(task, training.steps), { dims: 1, points: 8 }, f);
      assert.deepEqual(curriculumAfter(task, 3750), { dims: 16, points: 32 }, `${f}: the full task after 3,750 steps`);
    }
  });

  it('ICL examples use a point of the paper’s grid (d 16, D 64, H 8, §5.1)', () => {
    for (const f of files.filter((f) => f.startsWith('icl-') || f.startsWith('mlbtc-'))) {
      const { task, model } = load(root, f).spec;
      assert.deepEqual([task.kind === 'icl-regression' && task.inputDim, model.seqLen, model.width, model.heads], [16, 64, 64, 8], f);
    }
  });

  it('character-LM examples keep headDim 64 and the final runs’ MLR ranks at T 256', () => {
    for (const f of files.filter((f) => f.startsWith('char-lm-') || f === 'head-groups.mlbtc.json')) {
      const { model } = load(root, f).spec;
      assert.deepEqual([model.headDim, model.seqLen], [64, 256], f);
    }
    const a = load(root, 'char-lm-mlr.mlbtc.json').spec.layers[0]!.groups[0]!.attention;
    assert.deepEqual(a.kind === 'mlr' && [a.ranks, a.blockSizes, a.normalize], [[32, 8, 6, 4, 4, 4, 4, 2], [256, 128, 64, 32, 16, 8, 4, 2], 'coverage']);
  });
});

describe('paper examples', () => {
  it('icl-dense has the reference ICL settings and 4,804,480 parameters, counted here by hand as well', () => {
    const { spec } = paper('icl-dense.mlbtc.json');
    const { model: m, training: t, task } = spec;
    assert.equal(task.kind, 'icl-regression');
    assert.deepEqual([task.kind === 'icl-regression' && task.inputDim, m.seqLen, m.width, m.heads, m.layers], [64, 256, 256, 8, 6]);
    assert.deepEqual([t.batchSize, t.lr, t.warmupSteps, t.gradClip], [64, 1e-4, 1000, null]);
    assert.equal(spec.layers[0]!.groups[0]!.attention.kind === 'dense' && spec.layers[0]!.groups[0]!.attention.logitScale, 'standard');
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
      const { spec } = paper(f);
      assert.equal(spec.task.kind, 'icl-regression', f);
      assert.deepEqual([spec.model.seqLen, spec.model.width, spec.model.heads, spec.model.layers], [256, 256, 8, 6], f);
      assert.deepEqual([spec.training.batchSize, spec.training.lr, spec.training.warmupSteps], [64, 1e-4, 1000], f);
    }
    const btt = paper('icl-bilinear-btt.mlbtc.json').spec.layers[0]!.groups[0]!.attention;
    assert.deepEqual(btt.kind === 'bilinear-btt' && [btt.rank, btt.factors], [1, [8, 32]]);
    const mlr = paper('icl-bilinear-mlr.mlbtc.json').spec.layers[0]!.groups[0]!.attention;
    assert.deepEqual(mlr.kind === 'bilinear-mlr' && mlr.ranks, [8, 8, 8, 8]);
  });

  it('character-LM examples share the reference LM shape; the MLR one has the final-run ranks', () => {
    for (const f of files.filter((f) => f.startsWith('char-lm-'))) {
      const { spec } = paper(f);
      assert.deepEqual([spec.model.width, spec.model.heads, spec.model.headDim, spec.model.layers, spec.model.seqLen], [256, 4, 64, 6, 1024], f);
      assert.deepEqual([spec.training.batchSize, spec.training.warmupSteps, spec.training.gradClip], [32, 2000, 1], f);
    }
    const a = paper('char-lm-mlr.mlbtc.json').spec.layers[0]!.groups[0]!.attention;
    assert.deepEqual(a.kind === 'mlr' && [a.ranks, a.blockSizes, a.normalize], [[32, 8, 6, 4, 4, 4, 4, 2], [1024, 512, 256, 128, 64, 32, 16, 8], 'coverage']);
    const sw = paper('char-lm-sliding-window.mlbtc.json').spec.layers[0]!.groups[0]!.attention;
    assert.equal(sw.kind === 'sliding-window' && sw.window, 512);
    const gl = paper('char-lm-global-local.mlbtc.json').spec.layers[0]!.groups[0]!.attention;
    assert.deepEqual(gl.kind === 'global-local' && [gl.split, gl.window], [[32, 32], 512]);
    const gswa = paper('char-lm-sequential-gswa.mlbtc.json').spec.layers.map((l) => l.groups[0]!.attention);
    assert.deepEqual(gswa.map((a) => (a.kind === 'sliding-window' ? a.window : a.kind)), ['dense', 128, 128, 'dense', 128, 128]);
  });

  it('every paper example trains with the reference code\'s settings (§2.4, §2.5), not the studio defaults', () => {
    for (const f of specFiles(paperDir)) {
      const { raw, spec } = paper(f);
      const t = spec.training;
      // Written in the file, so the difference from the defaults is visible where it is read.
      assert.deepEqual([raw.training.eps, raw.training.schedule], [1e-20, 'constant'], f);
      assert.equal(t.eps, 1e-20, f);
      if (spec.task.kind === 'icl-regression') assert.deepEqual([t.warmupSteps, t.gradClip], [1000, null], f);
      if (spec.task.kind === 'language-model') assert.deepEqual([t.warmupSteps, t.gradClip], [2000, 1], f);
    }
  });
});

describe('example data', () => {
  const all = allExamples();

  it('every data path resolves to a file inside examples/', () => {
    for (const { dir, file, label } of all) {
      const { spec } = load(dir, file);
      if (!('data' in spec.task) || spec.task.data === undefined) continue;
      const resolved = path.resolve(dir, spec.task.data);
      assert.ok(resolved.startsWith(root + path.sep), `${label}: ${spec.task.data}`);
      assert.ok(existsSync(resolved), `${label}: ${resolved}`);
    }
  });

  it('the text is long enough for a full validation sequence and fits the vocabulary', () => {
    for (const { dir, file, label } of all) {
      const { spec } = load(dir, file);
      if (spec.task.kind !== 'language-model' || !spec.task.data) continue;
      const text = readFileSync(path.resolve(dir, spec.task.data), 'utf8');
      // 90/10 split: the validation tenth must hold one sequence plus its shifted target.
      assert.ok(Math.floor(text.length * 0.1) >= spec.model.seqLen + 1, `${label}: ${text.length} characters`);
      assert.ok(new Set(text).size <= spec.task.vocabSize, label);
    }
  });

  it('the ETT-layout sample has the ETTh1 columns, the channels of the specs, and enough rows', () => {
    for (const { dir, file, label } of all.filter((e) => e.file === 'forecast-mlr.mlbtc.json')) {
      const { spec } = load(dir, file);
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
      assert.ok(Math.floor(rows.length * split[0]!) >= spec.model.seqLen, `${label}: the training part holds at least one window`);
      // Hourly, consecutive timestamps.
      const t0 = Date.parse(`${rows[0]![0]}Z`);
      rows.forEach((r, i) => assert.equal(Date.parse(`${r[0]}Z`), t0 + i * 3_600_000));
    }
  });

  it('the committed CSV is exactly what the seeded generator writes', async () => {
    const gen = (await import(pathToFileURL(path.join(root, 'data', 'generate-ett-sample.mjs')).href)) as { generate(): string };
    assert.equal(gen.generate(), readFileSync(path.join(root, 'data', 'ett-sample.csv'), 'utf8'));
  });
});
