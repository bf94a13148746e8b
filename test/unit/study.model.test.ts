/**
 * The study data model (src/core/study/study.ts) and its SVG rendering (figure.ts): the three views' series from
 * hand-made runs, the compute frontier, sweep keys, CSV rows, and a figure that draws every point and each fit's
 * exponent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderFigureSvg } from '../../src/core/study/figure';
import {
  computeFigure,
  familyOf,
  familyOfLayers,
  figureRows,
  frontier,
  scalingFigure,
  studyRows,
  sweepFigure,
  sweepKeys,
  type StudyData,
  type StudyRun,
} from '../../src/core/study/study';

function run(id: string, family: string, rank: number, curve: [number, number][], assignment: Record<string, unknown> = {}): StudyRun {
  const last = curve.at(-1);
  return {
    id,
    label: id,
    family,
    state: 'completed',
    assignment,
    macsPerToken: 1000 * rank,
    plannedFlops: last?.[0] ?? 0,
    rank,
    params: 10,
    curve,
    final: last ? { flops: last[0], value: last[1] } : null,
  };
}

const data: StudyData = {
  title: 'toy',
  objective: 'val.loss',
  runs: [
    run(
      'd4',
      'dense',
      4,
      [
        [1e9, 1.0],
        [2e9, 0.99],
        [4e9, 0.98],
      ],
      { 'task.horizon': 16 },
    ),
    run(
      'd2',
      'dense',
      2,
      [
        [5e8, 1.0],
        [1e9, 1.0],
      ],
      { 'task.horizon': 48 },
    ),
    run(
      'm',
      'mlr',
      64,
      [
        [1e9, 2],
        [2e9, 1],
        [4e9, 0.5],
        [8e9, 0.25],
      ],
      { 'task.horizon': 16 },
    ),
    run('x', 'mlr', 64, []),
  ],
};

describe('study views', () => {
  it('compute: one series per family, points sorted by consumed FLOPs, runs without an evaluation left out', () => {
    const fig = computeFigure(data);
    assert.deepEqual(
      fig.series.map((s) => s.name),
      ['dense', 'mlr'],
    );
    assert.deepEqual(fig.series[0]!.points, [
      [1e9, 1.0],
      [4e9, 0.98],
    ]);
    assert.deepEqual(fig.series[0]!.labels, ['d2', 'd4']);
    assert.deepEqual(fig.series[1]!.points, [[8e9, 0.25]]);
    assert.ok(fig.xLog);
    assert.deepEqual(
      computeFigure(data, 'macs').series[0]!.points.map((p) => p[0]),
      [2000, 4000],
    );
  });

  it('scaling: the frontier keeps only improving points across a family’s runs, and a power law is fitted to it', () => {
    assert.deepEqual(frontier(data.runs.filter((r) => r.family === 'dense')), [
      [5e8, 1.0],
      [2e9, 0.99],
      [4e9, 0.98],
    ]);
    const fig = scalingFigure(data);
    const mlr = fig.series.find((s) => s.name === 'mlr')!;
    assert.ok(Math.abs(mlr.fit!.b - -1) < 1e-12, 'loss halves when compute doubles: exponent −1');
    assert.ok(fig.xLog && fig.yLog);
  });

  it('sweep: by scoring rank (default) or by a numeric search key; keys with one value are not offered', () => {
    assert.deepEqual(sweepFigure(data).series[0]!.points, [
      [2, 1.0],
      [4, 0.98],
    ]);
    assert.deepEqual(sweepFigure(data, 'task.horizon').series[0]!.points, [
      [16, 0.98],
      [48, 1.0],
    ]);
    assert.deepEqual(sweepKeys(data), ['rank', 'task.horizon']);
  });

  it('names the family of one attention block or of head groups', () => {
    assert.equal(familyOf({ kind: 'mlr' }), 'mlr');
    assert.equal(familyOf([{ kind: 'mlr' }, { kind: 'dense' }, { kind: 'mlr' }]), 'mlr+dense');
  });

  it("names the family of per-layer structures: one family, or the layers' families in order", () => {
    const layer = (kind: string) => ({ groups: [{ attention: { kind } }] });
    assert.equal(familyOfLayers([layer('mlr'), layer('mlr')]), 'mlr');
    assert.equal(
      familyOfLayers(['dense', 'sliding-window', 'sliding-window', 'dense', 'sliding-window', 'sliding-window'].map(layer)),
      'dense|sliding-window',
    );
  });

  it('rows for CSV: one per run, and one per plotted point with its fit', () => {
    assert.equal(studyRows(data).length, 4);
    assert.equal(studyRows(data)[3]![9], '');
    const rows = figureRows(scalingFigure(data));
    assert.equal(rows.length, 3 + 4);
    assert.equal(rows[3]![0], 'mlr');
    assert.ok(Math.abs((rows[3]![5] as number) + 1) < 1e-12);
  });
});

describe('renderFigureSvg', () => {
  it('draws every point, a dashed fit per fitted series, and the exponent in the legend', () => {
    const svg = renderFigureSvg(scalingFigure(data));
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<circle cx=/g) ?? []).length, 3 + 4 + 2, 'points plus one legend marker per series');
    assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 2, 'the dense frontier has 3 points, mlr 4: both fitted');
    assert.match(svg, /mlr {2}∝ C\^-1\.000 \(r² 1\.00\)/);
    assert.doesNotMatch(svg, /NaN|undefined/);
  });

  it('escapes labels', () => {
    const svg = renderFigureSvg({ ...computeFigure(data), title: 'a <b> & "c"' });
    assert.match(svg, /a &lt;b&gt; &amp; &quot;c&quot;/);
  });
});
