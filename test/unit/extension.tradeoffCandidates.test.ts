/**
 * The trade-offs panel's search candidates, pure parts: a structure file's search block planned into points (one
 * per planned trial) or into a skipped entry that says why none is plotted, and the cache that replans a file only
 * when its text changes. Expected numbers come from the paper fixture's hand-derived values and from core analyze()
 * of hand-written candidate files (the search block applied by hand), not from the plan.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analysis';
import type { StructureSpec } from '../../src/core/spec/schema';
import { validateText } from '../../src/core/validate';
import {
  CandidatePointsCache,
  searchPoints,
  type CandidatePoints,
  type StructureFile,
} from '../../src/extension/panels/tradeoffs/candidates';
import { tradeoffPoint } from '../../src/extension/panels/tradeoffs/points';
import type { TradeoffPoint } from '../../src/protocol/webview';
import { judgeCandidate } from '../../src/runs/search/candidate';
import { paperMlr, paperMlrNumbers } from '../fixtures/structures';

const file: StructureFile = { uri: 'file:///ws/paper/search.mlbtc.json', label: 'paper/search.mlbtc.json', fileName: 'search.mlbtc.json' };
const PAPER_RANKS = [32, 8, 6, 4, 4, 4, 4, 2];

/** paperMlr with a search block; the file must be valid (the panel plans only valid files). */
function withSearch(search: unknown): StructureSpec {
  const raw = { ...JSON.parse(paperMlr), search } as StructureSpec;
  const { spec, problems } = validateText(JSON.stringify(raw));
  assert.ok(spec, `the fixture must be valid: ${JSON.stringify(problems)}`);
  return raw;
}

/** The candidate file a user would write by hand: paperMlr with these ranks and lr, no search block. */
function handWritten(ranks: number[], lr: number): TradeoffPoint {
  const raw = JSON.parse(paperMlr);
  const text = JSON.stringify({ ...raw, attention: { ...raw.attention, ranks }, training: { lr } });
  const { spec } = validateText(text);
  assert.ok(spec);
  const a = analyze(spec);
  return {
    id: '',
    label: '',
    source: 'candidate',
    uri: file.uri,
    macsPerToken: a.macs.perToken,
    macsPerSequence: a.macs.perSequence,
    rank: a.rank.scoring,
    rankMax: a.rank.max,
    rankSpace: a.rank.space,
    taskKind: spec.task.kind,
    params: a.params.total,
  };
}

const grid = { strategy: 'grid', space: { 'attention.ranks': { choice: [PAPER_RANKS, [64]] }, 'training.lr': { choice: [0.001, 0.003] } } };

describe('search candidates as trade-off points', () => {
  it('plots one candidate per planned trial, labelled with the file and the assignment, numbers of the candidate file', () => {
    const { points, skipped } = searchPoints(file, withSearch(grid));
    assert.deepEqual(skipped, []);
    // Grid order: the first dimension varies slowest.
    const expected: [number[], number, string][] = [
      [PAPER_RANKS, 0.001, 'attention.ranks=[32,8,6,4,4,4,4,2] training.lr=0.001'],
      [PAPER_RANKS, 0.003, 'attention.ranks=[32,8,6,4,4,4,4,2] training.lr=0.003'],
      [[64], 0.001, 'attention.ranks=[64] training.lr=0.001'],
      [[64], 0.003, 'attention.ranks=[64] training.lr=0.003'],
    ];
    assert.deepEqual(
      points,
      expected.map(([ranks, lr, assignment], trial) => ({
        ...handWritten(ranks, lr),
        id: `candidate:${file.uri}#${trial}`,
        label: `paper/search.mlbtc.json · ${assignment}`,
      })),
    );
    // The numbers worked by hand (§3.4): the paper's split has rank 808 over T×T; one level of rank 64 over the whole
    // sequence has rank 64. Ranks split headDim, so the projections (parameters, per-token MACs) do not change.
    assert.deepEqual(
      points.map((p) => [p.rank, p.rankMax, p.rankSpace]),
      [
        [808, 1024, 'sequence'],
        [808, 1024, 'sequence'],
        [64, 1024, 'sequence'],
        [64, 1024, 'sequence'],
      ],
    );
    assert.ok(points.every((p) => p.params === paperMlrNumbers.params && p.macsPerToken === points[0]!.macsPerToken));
    // Score MACs per head T·Σ T_l·r_l: 1024·1024·64 for the single level against 40,321,024; 6 layers × 4 heads.
    assert.equal(points[2]!.macsPerSequence - points[0]!.macsPerSequence, 6 * 4 * (1024 * 1024 * 64 - paperMlrNumbers.scoreMacsPerHead));
  });

  it('leaves out the candidates the constraints reject', () => {
    const { points, skipped } = searchPoints(file, withSearch({ ...grid, constraints: { minRank: 100 } }));
    assert.deepEqual(skipped, []);
    assert.deepEqual(
      points.map((p) => [p.label, p.rank]),
      [
        ['paper/search.mlbtc.json · attention.ranks=[32,8,6,4,4,4,4,2] training.lr=0.001', 808],
        ['paper/search.mlbtc.json · attention.ranks=[32,8,6,4,4,4,4,2] training.lr=0.003', 808],
      ],
    );
    assert.deepEqual(
      points.map((p) => p.id),
      [`candidate:${file.uri}#0`, `candidate:${file.uri}#1`],
    );
  });

  it('names the file and the reason when the search cannot be planned', () => {
    // 10,001 seeds: a valid file whose grid is over the planner's cap.
    const { points, skipped } = searchPoints(file, withSearch({ strategy: 'grid', space: { 'training.seed': { int: [1, 10_001] } } }));
    assert.deepEqual(points, []);
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0]!.uri, file.uri);
    assert.equal(skipped[0]!.fileName, 'search.mlbtc.json');
    assert.match(
      skipped[0]!.reason,
      /^search cannot be planned: the grid has more than 5,000 combinations \(training\.seed alone offers 10,001\)/,
    );
  });

  it('says so when every candidate is rejected, quoting the first rejection', () => {
    const { points, skipped } = searchPoints(file, withSearch({ ...grid, constraints: { maxParams: 1000 } }));
    assert.deepEqual(points, []);
    assert.deepEqual(skipped, [
      {
        uri: file.uri,
        fileName: 'search.mlbtc.json',
        reason: `search plans no candidate: all 4 are invalid or outside search.constraints (the first, attention.ranks=[32,8,6,4,4,4,4,2] training.lr=0.001: parameters ${paperMlrNumbers.params.toLocaleString('en-US')} exceed search.constraints.maxParams 1,000)`,
      },
    ]);
  });

  it('adds nothing for a file without a search block', () => {
    assert.deepEqual(searchPoints(file, JSON.parse(paperMlr)), { points: [], skipped: [] });
  });
});

describe('one function builds every point', () => {
  it('reads the same numbers from core analyze() and from a candidate analysis', () => {
    const { spec } = validateText(paperMlr);
    assert.ok(spec);
    const judged = judgeCandidate(JSON.parse(paperMlr), undefined);
    assert.ok(judged.ok);
    const fromFile = tradeoffPoint('id', 'label', 'file', undefined, analyze(spec), spec.task.kind);
    const fromCandidate = tradeoffPoint('id', 'label', 'file', undefined, judged.analysis, spec.task.kind);
    assert.deepEqual(fromCandidate, fromFile);
    assert.equal(fromFile.rank, paperMlrNumbers.rank);
    assert.equal(fromFile.params, paperMlrNumbers.params);
    assert.equal('uri' in fromFile, false);
  });
});

describe('the candidate cache', () => {
  const result = (n: number): CandidatePoints => ({ points: [], skipped: [{ uri: file.uri, fileName: file.fileName, reason: String(n) }] });

  it('replans a file only when its text or label changes, and forgets files that are gone', () => {
    const cache = new CandidatePointsCache();
    let plans = 0;
    const plan = () => result(++plans);
    assert.equal(cache.of(file, 'text 1', plan).skipped[0]!.reason, '1');
    assert.equal(cache.of(file, 'text 1', plan).skipped[0]!.reason, '1');
    assert.equal(cache.of(file, 'text 2', plan).skipped[0]!.reason, '2');
    assert.equal(cache.of({ ...file, label: 'moved/search.mlbtc.json' }, 'text 2', plan).skipped[0]!.reason, '3');
    cache.keepOnly(new Set([file.uri]));
    assert.equal(cache.of({ ...file, label: 'moved/search.mlbtc.json' }, 'text 2', plan).skipped[0]!.reason, '3', 'kept');
    cache.keepOnly(new Set());
    assert.equal(
      cache.of({ ...file, label: 'moved/search.mlbtc.json' }, 'text 2', plan).skipped[0]!.reason,
      '4',
      'forgotten, so planned again',
    );
    assert.equal(plans, 4);
  });
});
