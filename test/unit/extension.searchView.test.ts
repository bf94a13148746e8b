/** The search view's model read from a real search folder, its trials' runs and their metrics. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { runTitle } from '../../src/extension/runs/runDescription';
import { bestTrial, readSearchView } from '../../src/extension/runs/searchView';
import { TrialParams } from '../../src/extension/runs/trialParams';
import { formatMetricLine, RunFiles } from '../../src/protocol/run';
import { planSearch } from '../../src/runs/search/plan';
import { createSearchFolder } from '../../src/runs/search/searchFolder';
import { RunStore } from '../../src/runs/store';
import { tempDir, tinyRawSpec } from './runs.helpers';

const work = tempDir('search-view');
after(() => fs.rmSync(work, { recursive: true, force: true }));

describe('the search view model', () => {
  it('picks the lowest objective as best, the cheaper on a tie, none before any objective', () => {
    assert.equal(bestTrial([]), null);
    assert.equal(bestTrial([{ trial: 0, objective: null, flops: null }]), null);
    const rows = [
      { trial: 0, objective: 0.5, flops: 10 },
      { trial: 1, objective: 0.3, flops: 50 },
      { trial: 2, objective: 0.3, flops: 20 },
      { trial: 3, objective: Number.NaN, flops: 1 },
    ];
    assert.equal(bestTrial(rows), 2);
  });

  it('lists every planned trial with its parameters, its run, compute and objective', () => {
    const raw = {
      ...tinyRawSpec({ steps: 4 }),
      search: { strategy: 'grid', space: { 'training.lr': { choice: [0.001, 0.003] }, 'model.heads': { choice: [2] } } },
    };
    const plan = planSearch(raw as typeof raw & Parameters<typeof planSearch>[0]);
    const file = createSearchFolder(work, plan, { path: path.join(work, 'tiny.mlbtc.json'), text: JSON.stringify(raw) });
    const store = new RunStore(work);
    const trial = plan.trials[1]!;
    const run = store.create({
      spec: trial.spec,
      sourcePath: path.join(work, 'tiny.mlbtc.json'),
      sourceText: '',
      overrides: {},
      search: { id: file.id, trial: 1, rung: 0 },
    });
    const objective = plan.objective;
    fs.writeFileSync(
      path.join(run.dir, RunFiles.metrics),
      formatMetricLine({ kind: 'eval', step: 4, tokens: 64, flops: 1234, wallMs: 10, [objective]: 0.42 }),
    );

    const view = readSearchView({ root: work, id: file.id }, false);
    assert.equal(view.id, file.id);
    assert.deepEqual(view.dimensions, [
      { key: 'training.lr', label: 'lr' },
      { key: 'model.heads', label: 'heads' },
    ]);
    assert.deepEqual(
      view.trials.map((t) => [t.trial, t.params, t.values, t.state, t.runId, t.objective, t.flops]),
      [
        [0, 'lr 1e-3 · heads 2', { 'training.lr': 0.001, 'model.heads': 2 }, 'not started', null, null, null],
        [1, 'lr 3e-3 · heads 2', { 'training.lr': 0.003, 'model.heads': 2 }, 'queued', run.id, 0.42, 1234],
      ],
    );
    assert.equal(view.trials[0]!.plannedFlops, plan.trials[0]!.analysis.flopsPerStep * 4);
    assert.equal(view.best, 1);
    assert.equal(view.finished, false);

    // The labels of the trial's run (Experiments view, live losses, trade-offs) read the same search file.
    const trials = new TrialParams();
    const info = store.get(run.id);
    assert.deepEqual(trials.of(info), { params: 'lr 3e-3 · heads 2', assignment: { 'training.lr': 0.003, 'model.heads': 2 } });
    assert.equal(runTitle(info, new Date(), trials.of(info)?.params), 'tiny · #1 lr 3e-3 · heads 2');
    assert.equal(
      trials.of({ ...info, search: { id: 'gone', trial: 0, rung: 0 } }),
      undefined,
      'a deleted search: the trial keeps its number',
    );
  });
});
