/**
 * The trade-offs webview's words for its three sources (structure files, search candidates, finished runs): the
 * counts in the header and in the paint report the tests parse, the heading of the left-out list, and the drawing
 * order that keeps a file's mark above candidates at the same spot.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SkippedFile, TradeoffPoint, TradeoffSource } from '../../src/protocol/webview';
import { countBySource, inDrawOrder, paintContent, skippedHeading, sourceSummary } from '../../webview/tradeoffs/sources';

const point = (id: string, source: TradeoffSource, uri?: string): TradeoffPoint => ({
  id,
  label: id,
  source,
  ...(uri ? { uri } : {}),
  macsPerToken: 1,
  macsPerSequence: 1,
  rank: 1,
  rankMax: 1,
  rankSpace: 'features',
  taskKind: 'icl-regression',
  params: 1,
});

const a = 'file:///w/a.mlbtc.json';
const b = 'file:///w/b.mlbtc.json';
const points = [
  point(a, 'file', a),
  point(`candidate:${a}#0`, 'candidate', a),
  point(`candidate:${a}#1`, 'candidate', a),
  point('run:r1', 'run'),
];

describe('trade-off sources', () => {
  it('counts each source', () => {
    assert.deepEqual(countBySource(points), { file: 1, candidate: 2, run: 1 });
    assert.deepEqual(countBySource([]), { file: 0, candidate: 0, run: 0 });
  });

  it('names every source in the header, also one with no point', () => {
    assert.equal(sourceSummary(points), '1 structure file, 2 search candidates, 1 finished run');
    assert.equal(sourceSummary(points.slice(0, 2)), '1 structure file, 1 search candidate, 0 finished runs');
  });

  it('reports a paint with the count of each source', () => {
    assert.equal(paintContent(points, 2, 3), '4 points (1 files, 2 candidates, 1 runs), 2 on the front, 3 skipped');
  });

  it('tells invalid files from searches that add no candidate', () => {
    const invalid: SkippedFile = { uri: b, fileName: 'b.mlbtc.json', reason: 'line 3: …' };
    const search: SkippedFile = { uri: a, fileName: 'a.mlbtc.json', reason: 'search cannot be planned: …' };
    assert.equal(skippedHeading(points, [invalid]), '1 file left out (invalid)');
    assert.equal(skippedHeading(points, [search]), '1 search without candidates');
    assert.equal(
      skippedHeading(points, [invalid, search, { ...invalid, uri: 'file:///w/c.mlbtc.json' }]),
      '2 files left out (invalid) · 1 search without candidates',
    );
    // A candidate or run pointing at a file does not make that file plotted.
    assert.equal(skippedHeading([point('x', 'candidate', b)], [invalid]), '1 file left out (invalid)');
  });

  it('draws candidates under files under runs', () => {
    const shuffled = [point('r', 'run'), point('c', 'candidate'), point('f', 'file'), point('c2', 'candidate')];
    assert.deepEqual(
      inDrawOrder(shuffled).map((p) => p.id),
      ['c', 'c2', 'f', 'r'],
    );
    assert.deepEqual(
      shuffled.map((p) => p.id),
      ['r', 'c', 'f', 'c2'],
      'the input is left as it was',
    );
  });
});
