/** The trade-offs panel's groups (task kind × rank space), its title, and where point labels go. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TradeoffPoint } from '../../src/protocol/webview';
import { chartTitle, facetColumns, facetsOf } from '../../webview/tradeoffs/facets';
import { placeLabels, segmentBoxes } from '../../webview/tradeoffs/labels';
import { staircase } from '../../webview/tradeoffs/scatter';

const point = (id: string, taskKind: string, rankSpace: TradeoffPoint['rankSpace']): TradeoffPoint => ({
  id,
  label: id,
  source: 'file',
  macsPerToken: 1,
  macsPerSequence: 1,
  rank: 1,
  rankMax: 1,
  rankSpace,
  taskKind,
  params: 1,
});

describe('trade-off facets', () => {
  it('group by task kind, then rank space with features first, keeping the order within a group', () => {
    const facets = facetsOf([
      point('a', 'language-model', 'sequence'),
      point('b', 'icl-regression', 'features'),
      point('c', 'language-model', 'features'),
      point('d', 'language-model', 'sequence'),
    ]);
    assert.deepEqual(
      facets.map((f) => [f.title, f.points.map((p) => p.id)]),
      [
        ['icl-regression · feature rank (D×D)', ['b']],
        ['language-model · feature rank (D×D)', ['c']],
        ['language-model · sequence rank (T×T)', ['a', 'd']],
      ],
    );
    assert.deepEqual(facetsOf([]), []);
  });

  it('title the chart after its axes', () => {
    assert.equal(chartTitle('macsPerToken', 'finalLoss'), 'Loss vs compute per token');
    assert.equal(chartTitle('macsPerSequence', 'rank'), 'Rank vs compute per sequence');
  });

  it('lay facets out in as many columns as fit, at most three', () => {
    assert.equal(facetColumns(4, 1200), 3);
    assert.equal(facetColumns(2, 1200), 2);
    assert.equal(facetColumns(4, 500), 1);
    assert.equal(facetColumns(1, 200), 1);
  });
});

describe('point labels', () => {
  const bounds = { x0: 0, x1: 300, y0: 0, y1: 200 };

  it('go beside the point when free, else to the next offset, else are left out', () => {
    const placed = placeLabels(
      [
        { x: 10, y: 100, widths: [50], offsets: [0, -13] },
        { x: 12, y: 100, widths: [50], offsets: [0, -13] }, // same place: moves a line up
        { x: 14, y: 100, widths: [50], offsets: [0, -13] }, // both taken: hidden
      ],
      [],
      bounds,
    );
    assert.deepEqual(
      placed.map((p) => [p.index, p.y]),
      [
        [0, 104],
        [1, 91],
      ],
    );
  });

  it('never cover an obstacle (a point, the front line, the legend) or leave the chart; left of the point when the right is taken', () => {
    const obstacle = { x0: 20, x1: 30, y0: 95, y1: 105 };
    assert.deepEqual(placeLabels([{ x: 10, y: 100, widths: [50], offsets: [0] }], [obstacle], bounds), [], 'no room on the left either');
    const nearEdge = placeLabels([{ x: 280, y: 100, widths: [50], offsets: [0] }], [], bounds);
    assert.deepEqual(
      nearEdge.map((p) => [p.x, p.box.x1]),
      [[222, 272]],
      'past the right edge: placed on the left',
    );
    assert.deepEqual(placeLabels([{ x: 10, y: 2, widths: [50], offsets: [0] }], [], bounds), [], 'past the top');
  });

  it('fall back to a shorter text when the full one fits nowhere', () => {
    const placed = placeLabels([{ x: 10, y: 100, widths: [400, 60], offsets: [0] }], [], bounds);
    assert.deepEqual(
      placed.map((p) => [p.variant, p.box.x1]),
      [[1, 78]],
    );
  });

  it('keep off the Pareto staircase', () => {
    const corners = staircase([
      [10, 100],
      [100, 50],
    ]);
    assert.deepEqual(corners, [
      [10, 100],
      [100, 100],
      [100, 50],
    ]);
    const line = segmentBoxes(corners);
    assert.deepEqual(line[0], { x0: 8, x1: 102, y0: 98, y1: 102 });
    assert.deepEqual(
      placeLabels([{ x: 10, y: 100, widths: [40], offsets: [0, -13] }], line, bounds).map((p) => p.y),
      [91],
      'moved above the line',
    );
  });
});
