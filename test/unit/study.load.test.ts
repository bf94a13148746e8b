/**
 * Reading a study from a runs folder (src/runs/study/loadStudy.ts): a search's trials with their assignments,
 * families and analysed compute, their evaluation curves from metrics.jsonl, and plain runs when there is no search.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { analyze } from '../../src/core/analysis';
import type { StructureSpec } from '../../src/core/spec/schema';
import { RunFiles } from '../../src/protocol/run';
import { RunManager } from '../../src/runs/manager';
import { planSearch } from '../../src/runs/search/plan';
import { createSearchFolder } from '../../src/runs/search/searchFolder';
import { loadStudy, StudyError } from '../../src/runs/study/loadStudy';

const roots: string[] = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'mlbtc-study-'));
  roots.push(d);
  return d;
};

const file: StructureSpec = {
  name: 'toy-study',
  task: { kind: 'language-model', vocabSize: 16 },
  model: { width: 16, heads: 2, layers: 2, seqLen: 16 },
  attention: { kind: 'dense' },
  training: { steps: 10, batchSize: 2 },
  search: {
    space: { attention: { choice: [{ kind: 'dense' }, { kind: 'sliding-window', window: 4 }] } },
    objective: 'val.loss',
  },
} as unknown as StructureSpec;

function evalLine(step: number, flops: number, loss: number): string {
  return `${JSON.stringify({ kind: 'eval', step, tokens: step * 32, flops, wallMs: step, 'val.loss': loss })}\n`;
}

describe('loadStudy', () => {
  it('reads a search: one run per trial, its family, assignment, compute and curve', () => {
    const runsDir = tmp();
    const plan = planSearch(file);
    const search = createSearchFolder(runsDir, plan, { path: path.join(runsDir, 'toy.mlbtc.json'), text: JSON.stringify(file) });
    const store = new RunManager({ runsDir, queue: 'never' }).store;
    const runs = plan.trials.map((t) =>
      store.create({
        spec: t.spec,
        sourcePath: 'toy.mlbtc.json',
        sourceText: '{}',
        overrides: {},
        search: { id: search.id, trial: t.trial, rung: 0 },
      }),
    );
    appendFileSync(path.join(runs[0]!.dir, RunFiles.metrics), evalLine(5, 100, 2.5) + evalLine(10, 200, 2.0));
    appendFileSync(path.join(runs[1]!.dir, RunFiles.metrics), evalLine(5, 90, 2.4));

    const data = loadStudy(runsDir);
    assert.equal(data.title, 'toy-study');
    assert.equal(data.objective, 'val.loss');
    assert.deepEqual(
      data.runs.map((r) => r.family),
      ['dense', 'sliding-window'],
    );
    assert.deepEqual(data.runs[0]!.curve, [
      [100, 2.5],
      [200, 2.0],
    ]);
    assert.deepEqual(data.runs[0]!.final, { flops: 200, value: 2.0 });
    assert.deepEqual(data.runs[1]!.assignment, { attention: { kind: 'sliding-window', window: 4 } });
    const a = analyze(plan.trials[1]!.spec);
    assert.equal(data.runs[1]!.macsPerToken, a.macs.perSequence / 16);
    assert.equal(data.runs[1]!.plannedFlops, plan.trials[1]!.analysis.flopsPerStep * 10);
    assert.equal(data.runs[1]!.rank, a.rank.scoring);
  });

  it('reads every run of a folder without searches, and names a missing folder', () => {
    const runsDir = tmp();
    const store = new RunManager({ runsDir, queue: 'never' }).store;
    const spec = planSearch(file).trials[0]!.spec;
    store.create({ spec, sourcePath: 'toy.mlbtc.json', sourceText: '{}', overrides: {} });
    const data = loadStudy(runsDir);
    assert.equal(data.runs.length, 1);
    assert.equal(data.runs[0]!.final, null);
    assert.throws(
      () => loadStudy(path.join(runsDir, 'nope')),
      (e) => e instanceof StudyError && /nope: no such runs folder/.test(e.message),
    );
  });
});
