/**
 * Stop works in every phase: a stop requested while the first evaluation runs (10,000 batches, the schema's most)
 * ends the run within one batch, cancelled, without an evaluation record for the unfinished evaluation and without
 * a checkpoint for it, so a resume redoes it; a stop requested before the model is built ends the run there.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMetricLines, RunFiles } from '../../src/protocol/run';
import { createRunFolder, listCheckpoints, readRunStatus } from '../../src/runfolder/runFolder';
import { runJob } from '../../src/engine/train/job';
import { SpecLimits } from '../../src/core/spec/schema';
import { tempDir, tinySpec } from './runs.helpers';

function newRun(): string {
  const dir = path.join(tempDir('stop'), 'run');
  const spec = tinySpec({ steps: 5, logEvery: 1, evalEvery: 1, evalBatches: SpecLimits.evalBatches, checkpointEvery: 5, backend: 'cpu' });
  createRunFolder(dir, { spec, sourcePath: path.join(dir, '..', 'tiny.mlbtc.json'), sourceText: '{}', overrides: {} });
  return dir;
}

describe('stopping a job', () => {
  it('stops inside an evaluation, within a batch, and records no half evaluation', async () => {
    const dir = newRun();
    let stop: string | null = null;
    const final = await runJob({
      runDir: dir,
      stopRequested: () => stop,
      emit: (m) => {
        if (m.type === 'metrics') stop = 'test'; // the evaluation after step 1 starts right after this record
      },
    });
    assert.deepEqual(final, { type: 'cancelled', step: 1 });
    const status = readRunStatus(dir);
    assert.equal(status.state, 'cancelled');
    assert.match(
      status.exitReason ?? '',
      /stopped by test during the evaluation after step 1; a resume continues from the last checkpoint/,
    );
    const records = parseMetricLines(fs.readFileSync(path.join(dir, RunFiles.metrics), 'utf8'));
    assert.deepEqual(
      records.map((r) => r.kind),
      ['train'],
    );
    assert.deepEqual(listCheckpoints(dir), []);
  });

  it('stops after the backend starts, before the model is built', async () => {
    const dir = newRun();
    const final = await runJob({ runDir: dir, stopRequested: () => 'SIGTERM' });
    assert.deepEqual(final, { type: 'cancelled', step: 0 });
    assert.match(readRunStatus(dir).exitReason ?? '', /stopped by SIGTERM while starting/);
    assert.ok(!fs.existsSync(path.join(dir, RunFiles.metrics)));
  });
});
