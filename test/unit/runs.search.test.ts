/**
 * Search planning, pure parts: generators (checked against brute-force enumerations written here), candidate
 * building, validation and constraints, seeded draws, ASHA rungs and compute, the ASHA schedule, and Pareto fronts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/random';
import { analyze } from '../../src/core/analysis';
import type { StructureSpec } from '../../src/core/spec/schema';
import { validate } from '../../src/core/validate';
import { binomial, dyadicBlockSchedules, factorizations, rankSplits } from '../../src/runs/search/generators';
import { ashaBudgets, planSearch, SearchPlanError } from '../../src/runs/search/plan';
import { rankFront } from '../../src/runs/search/results';
import { nextAction, type RungOutcome, type TrialProgress } from '../../src/runs/search/schedule';
import { assignmentLabel } from '../../src/runs/search/space';

const all = (set: { count: number; at(i: number): unknown }) => Array.from({ length: set.count }, (_, i) => set.at(i));

/** Brute force: every ordered tuple of `levels` positive multiples of k summing to total. */
function bruteSplits(total: number, levels: number, k: number): number[][] {
  if (levels === 1) return total > 0 && total % k === 0 ? [[total]] : [];
  const out: number[][] = [];
  for (let first = k; first < total; first += k) for (const rest of bruteSplits(total - first, levels - 1, k)) out.push([first, ...rest]);
  return out;
}

/** A small MLR structure (ICL task, T 16, width 16, 2 heads of 8) with a search block. */
function mlrSearch(search: StructureSpec['search'], training: object = {}): StructureSpec {
  return {
    name: 'mlr-search',
    task: { kind: 'icl-regression', inputDim: 4, noise: 0 },
    model: { width: 16, heads: 2, layers: 1, seqLen: 16, mlpRatio: 2 },
    attention: { kind: 'mlr', ranks: [4, 4], blockSizes: 'dyadic', normalize: 'none', qkNorm: true },
    training: { steps: 30, batchSize: 2, backend: 'cpu', ...training },
    search,
  } as StructureSpec;
}

describe('search generators', () => {
  it('rankSplits lists every split of headDim into L multiples of k, most global first, and counts C(n−1, L−1)', () => {
    assert.deepEqual(all(rankSplits(16, 2, 4)), [
      [12, 4],
      [8, 8],
      [4, 12],
    ]);
    for (const [total, levels, k] of [
      [24, 3, 2],
      [16, 4, 1],
      [12, 1, 3],
      [10, 3, 4],
      [8, 8, 1],
    ] as const) {
      const expected = bruteSplits(total, levels, k).sort((a, b) => {
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return b[i]! - a[i]!;
        return 0;
      });
      assert.deepEqual(all(rankSplits(total, levels, k)), expected, `${total} into ${levels} by ${k}`);
    }
    assert.equal(rankSplits(64, 8, 1).count, binomial(63, 7));
    assert.equal(binomial(63, 7), 553_270_671);
  });

  it('rankSplits samples uniformly without listing, however many splits there are', () => {
    const set = rankSplits(7, 3, 1); // C(6, 2) = 15 compositions
    const rng = new Rng(1);
    const counts = new Map<string, number>();
    for (let i = 0; i < 15_000; i++) {
      const v = set.sample(rng) as number[];
      assert.equal(
        v.reduce((a, b) => a + b, 0),
        7,
      );
      assert.ok(v.every((x) => x >= 1));
      counts.set(v.join(','), (counts.get(v.join(',')) ?? 0) + 1);
    }
    assert.equal(counts.size, 15);
    for (const c of counts.values()) assert.ok(c > 850 && c < 1150, `each split drawn about 1,000 times (got ${c})`);
    const huge = rankSplits(4096, 12, 4).sample(rng) as number[];
    assert.equal(huge.length, 12);
    assert.equal(
      huge.reduce((a, b) => a + b, 0),
      4096,
    );
    assert.ok(huge.every((x) => x % 4 === 0 && x > 0));
  });

  it('factorizations lists [a, b] with a·b = width, a ascending', () => {
    assert.deepEqual(all(factorizations(12)), [
      [1, 12],
      [2, 6],
      [3, 4],
      [4, 3],
      [6, 2],
      [12, 1],
    ]);
    assert.deepEqual(all(factorizations(7)), [
      [1, 7],
      [7, 1],
    ]);
  });

  it('dyadicBlocks lists every strictly decreasing power-of-two schedule holding the ranks, the standard one first', () => {
    const sizes = [16, 8, 4, 2, 1];
    const expected: number[][] = [];
    for (const a of sizes)
      for (const b of sizes) for (const c of sizes) if (a > b && b > c && a >= 4 && b >= 3 && c >= 1) expected.push([a, b, c]);
    const got = all(dyadicBlockSchedules(16, [4, 3, 1])) as number[][];
    assert.deepEqual(got[0], [16, 8, 4]);
    assert.deepEqual([...got].sort(), [...expected].sort());
    assert.equal(dyadicBlockSchedules(16, [1, 1, 1, 1, 1, 1]).count, 0, 'six levels need six powers of two: 16 has five');
    // 24 = 8·3: sizes 24, 12, 6, 3 divide it; 3 does not hold a rank of 4.
    assert.deepEqual(all(dyadicBlockSchedules(24, [2, 2])), [
      [24, 12],
      [24, 6],
      [24, 3],
      [12, 6],
      [12, 3],
      [6, 3],
    ]);
    assert.deepEqual(
      all(dyadicBlockSchedules(24, [4, 4])),
      [
        [24, 12],
        [24, 6],
        [12, 6],
      ],
      'every block holds its rank',
    );
  });
});

describe('planning a search', () => {
  it('grid: generators see the values other dimensions chose, and each candidate is validated and analysed', () => {
    const plan = planSearch(
      mlrSearch({
        space: { 'attention.ranks': { rankSplits: { levels: 2, multipleOf: 2 } }, 'model.heads': { choice: [2, 4] } },
        strategy: 'grid',
        seed: 0,
        objective: 'val.loss',
      }),
    );
    // heads 2 → headDim 8 → [6,2], [4,4], [2,6]; heads 4 → headDim 4 → [2,2]. The plain dimension comes first.
    assert.deepEqual(
      plan.trials.map((t) => t.label),
      [
        'model.heads=2 attention.ranks=[6,2]',
        'model.heads=2 attention.ranks=[4,4]',
        'model.heads=2 attention.ranks=[2,6]',
        'model.heads=4 attention.ranks=[2,2]',
      ],
    );
    assert.deepEqual(plan.rejected, []);
    for (const t of plan.trials) {
      const independent = validate({
        ...mlrSearch(undefined),
        model: { ...mlrSearch(undefined).model, heads: t.assignment['model.heads'] },
        attention: { ...(mlrSearch(undefined).attention as object), ranks: t.assignment['attention.ranks'] },
        search: undefined,
      });
      assert.ok(independent.spec);
      const a = analyze(independent.spec!);
      assert.equal(t.analysis.params, a.params.total);
      assert.equal(t.analysis.rank.scoring, a.rank.scoring);
      assert.equal(t.analysis.macsPerSequence, a.macs.perSequence);
      assert.equal(t.analysis.flopsPerStep, 6 * a.macs.perSequence * 2, 'six FLOPs per forward MAC, batch 2');
      assert.equal(t.spec.search, undefined, 'trials do not search again');
    }
    assert.equal(
      plan.compute.maxFlops,
      plan.trials.reduce((n, t) => n + t.analysis.flopsPerStep * 30, 0),
    );
  });

  it('filters invalid candidates with the validator message and path, and broken constraints with the measured value', () => {
    const plan = planSearch(
      mlrSearch({
        space: {
          'attention.blockSizes': {
            choice: [
              [16, 8],
              [16, 3],
              [16, 4],
            ],
          },
          'attention.ranks': {
            choice: [
              [4, 4],
              [6, 2],
            ],
          },
        },
        strategy: 'grid',
        seed: 0,
        objective: 'val.loss',
        constraints: { minRank: 12 },
      }),
    );
    const reasons = plan.rejected.map((r) => `${r.label} → ${r.reason}`);
    // [16, 3]: 3 does not divide 16 (validation). [16, 4] with [4, 4]: rank 4·1 + 4·4 = 20 → capped 16; with
    // ranks [6, 2]: 6 + 2·4 = 14. [16, 8] with [4, 4]: 4 + 4·2 = 12; [6, 2]: 6 + 2·2 = 10 < 12.
    assert.equal(plan.trials.length, 3);
    assert.equal(plan.rejected.length, 3);
    assert.ok(
      reasons.some((r) => r.startsWith('attention.blockSizes=[16,3] attention.ranks=[4,4] → attention.blockSizes[1]:')),
      reasons.join('\n'),
    );
    assert.ok(
      reasons.includes('attention.blockSizes=[16,8] attention.ranks=[6,2] → scoring rank 10 is below search.constraints.minRank 12'),
      reasons.join('\n'),
    );
    assert.deepEqual(
      plan.trials.map((t) => t.analysis.rank.scoring),
      [12, 16, 14],
    );
  });

  it('random: seeded draws, distinct, the number of trials asked for; another seed draws others', () => {
    const spec = (seed: number) =>
      mlrSearch({
        space: { 'attention.ranks': { rankSplits: { levels: [2, 3], multipleOf: 1 } }, 'training.lr': { logUniform: [1e-4, 1e-2] } },
        strategy: 'random',
        trials: 6,
        seed,
        objective: 'val.loss',
      });
    const a = planSearch(spec(1));
    assert.equal(a.trials.length, 6);
    assert.deepEqual(
      planSearch(spec(1)).trials.map((t) => t.assignment),
      a.trials.map((t) => t.assignment),
    );
    assert.notDeepEqual(
      planSearch(spec(2)).trials.map((t) => t.assignment),
      a.trials.map((t) => t.assignment),
    );
    assert.equal(new Set(a.trials.map((t) => JSON.stringify(t.assignment))).size, 6);
    for (const t of a.trials) {
      const lr = t.assignment['training.lr'] as number;
      assert.ok(lr >= 1e-4 && lr <= 1e-2);
      assert.equal(t.spec.training.lr, lr);
      assert.equal(
        (t.assignment['attention.ranks'] as number[]).reduce((x, y) => x + y, 0),
        8,
      );
    }
  });

  it('asha: rungs minBudget·eta^k then maxBudget; every trial planned to the last rung; expected compute counts 1/eta per rung', () => {
    assert.deepEqual(ashaBudgets(20, 180, 3), [20, 60, 180]);
    assert.deepEqual(ashaBudgets(20, 100, 3), [20, 60, 100]);
    assert.deepEqual(ashaBudgets(5, 5, 2), [5]);
    const plan = planSearch(
      mlrSearch({
        space: { 'attention.ranks': { rankSplits: { levels: 2, multipleOf: 1 } } },
        strategy: 'asha',
        seed: 0,
        objective: 'val.loss',
        asha: { unit: 'steps', minBudget: 4, maxBudget: 36, eta: 3 },
      }),
    );
    assert.equal(plan.trials.length, 7); // splits of 8 into 2
    assert.deepEqual(plan.asha, { unit: 'steps', eta: 3, budgets: [4, 12, 36] });
    assert.ok(plan.trials.every((t) => t.spec.training.steps === 36));
    const costs = plan.trials.map((t) => t.analysis.flopsPerStep); // MLR score MACs depend on the ranks
    const sum = costs.reduce((a, b) => a + b, 0);
    assert.equal(plan.compute.maxFlops, 36 * sum);
    // 7 trials × 4 steps, then floor(7/3) = 2 trials × 8 more, then floor(7/9) = 0, at the mean cost per step.
    assert.ok(Math.abs(plan.compute.expectedFlops - (7 * 4 + 2 * 8) * (sum / 7)) < 1e-6 * plan.compute.expectedFlops);
  });

  it('tokens budgets convert at batchSize · seqLen tokens per step', () => {
    const plan = planSearch(
      mlrSearch({
        space: { 'training.lr': { choice: [1e-3, 2e-3, 3e-3] } },
        strategy: 'asha',
        seed: 0,
        objective: 'val.loss',
        asha: { unit: 'tokens', minBudget: 320, maxBudget: 2880, eta: 3 },
      }),
    );
    assert.deepEqual(plan.asha?.budgets, [320, 960, 2880]);
    assert.equal(plan.trials[0]!.spec.training.steps, 2880 / (2 * 16));
  });

  it('refuses a grid too large to plan, and says what to do', () => {
    assert.throws(
      () =>
        planSearch(
          mlrSearch({
            space: { 'training.lr': { int: [1, 100] }, 'training.seed': { int: [0, 100] } },
            strategy: 'grid',
            seed: 0,
            objective: 'val.loss',
          }),
        ),
      (e: Error) =>
        e instanceof SearchPlanError && /more than 5,000 combinations.*use strategy "random" or "asha" with trials/.test(e.message),
    );
  });

  it('labels values compactly', () => {
    assert.equal(
      assignmentLabel({ 'training.lr': 0.000316227766, 'attention.ranks': [8, 4], 'attention.kind': 'mlr' }),
      'training.lr=0.000316 attention.ranks=[8,4] attention.kind="mlr"',
    );
  });
});

describe('ASHA schedule', () => {
  const trial = (t: number, rungs: [number, RungOutcome][]): TrialProgress => ({ trial: t, rungs: new Map(rungs) });
  const done = (objective: number): RungOutcome => ({ state: 'completed', objective });

  it('starts trials in order while nothing can be promoted', () => {
    assert.deepEqual(nextAction([], 5, 3, 3), { type: 'start', trial: 0 });
    assert.deepEqual(
      nextAction([trial(0, [[0, done(1)]]), trial(1, [[0, done(2)]])], 5, 3, 3),
      { type: 'start', trial: 2 },
      'two finished: floor(2/3) = 0 promotable',
    );
  });

  it('promotes the best of the top 1/eta once enough trials finished the rung, higher rungs first', () => {
    const three = [trial(0, [[0, done(3)]]), trial(1, [[0, done(1)]]), trial(2, [[0, done(2)]])];
    assert.deepEqual(nextAction(three, 9, 3, 3), { type: 'promote', trial: 1, rung: 1 });
    const promoted = [
      trial(0, [[0, done(3)]]),
      trial(1, [
        [0, done(1)],
        [1, { state: 'active' }],
      ]),
      trial(2, [[0, done(2)]]),
    ];
    assert.deepEqual(
      nextAction(promoted, 9, 3, 3),
      { type: 'start', trial: 3 },
      'trial 1 already promoted; trial 2 is not in the top third',
    );
    const nine = [...Array(9).keys()].map((t) => trial(t, [[0, done(10 - t)], ...(t >= 6 ? [[1, done(t)] as [number, RungOutcome]] : [])]));
    // Rung 1 has 3 finished (trials 6, 7, 8 with 6, 7, 8): trial 6 goes to rung 2 before anything at rung 0.
    assert.deepEqual(nextAction(nine, 9, 3, 3), { type: 'promote', trial: 6, rung: 2 });
  });

  it('failed runs take their share of a rung but are never promoted; stopped runs do not count', () => {
    const failed = [trial(0, [[0, { state: 'failed' }]]), trial(1, [[0, { state: 'failed' }]]), trial(2, [[0, { state: 'failed' }]])];
    assert.deepEqual(nextAction(failed, 3, 2, 3), null);
    const stopped = [trial(0, [[0, { state: 'stopped' }]]), trial(1, [[0, done(1)]]), trial(2, [[0, done(2)]])];
    assert.deepEqual(nextAction(stopped, 3, 2, 3), null, 'two finished, floor(2/3) = 0');
    assert.deepEqual(nextAction([...stopped.slice(1), trial(0, [[0, done(5)]])], 3, 2, 3), { type: 'promote', trial: 1, rung: 1 });
  });

  it('is done when every trial started and nothing is promotable', () => {
    assert.equal(nextAction([trial(0, [[0, done(1)]])], 1, 1, 2), null);
  });
});

describe('Pareto fronts of a plan', () => {
  it('compute vs rank keeps the trials no cheaper trial out-ranks', () => {
    const plan = planSearch(
      mlrSearch({
        space: { 'attention.blockSizes': { dyadicBlocks: true }, 'attention.ranks': { rankSplits: { levels: 2, multipleOf: 2 } } },
        strategy: 'grid',
        seed: 0,
        objective: 'val.loss',
      }),
    );
    const front = rankFront(plan.trials);
    const points = plan.trials.map((t) => [t.analysis.macsPerSequence, t.analysis.rank.scoring] as const);
    // Independently: a trial is on the front iff no other has ≤ compute and ≥ rank with one strict.
    const expected = plan.trials
      .filter(
        (_, i) =>
          !points.some(
            (q, j) => j !== i && q[0] <= points[i]![0] && q[1] >= points[i]![1] && (q[0] < points[i]![0] || q[1] > points[i]![1]),
          ),
      )
      .map((t) => t.trial);
    assert.deepEqual(
      [...front].sort((a, b) => a - b),
      expected,
    );
    assert.ok(front.length >= 1);
  });
});
