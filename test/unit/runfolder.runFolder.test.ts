/**
 * The worker's run folder: checkpoints are published by rename and old ones leave the step-<N> namespace before they
 * are deleted; a new writer on the folder removes what a killed predecessor left half-written, and nothing else.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { createRunFolder, listCheckpoints, readRunSpec, RunFolderWriter } from '../../src/runfolder/runFolder';
import { CHECKPOINTS_KEPT, CheckpointFiles, RunFiles } from '../../src/protocol/run';
import { tempDir, toySpec } from './engine.train.fixtures';
import { deadPid } from './runs.helpers';

function newRun(): string {
  const dir = path.join(tempDir('folder'), 'run');
  createRunFolder(dir, { spec: toySpec({ steps: 10 }), sourcePath: path.join(dir, '..', 'toy.mlbtc.json'), sourceText: '{}', overrides: {} });
  return dir;
}

const save = (w: RunFolderWriter, step: number) => w.saveCheckpoint(step, (tmp) => fs.writeFileSync(path.join(tmp, CheckpointFiles.model), `step ${step}`));

describe('run folder writer', () => {
  it(`keeps the newest ${CHECKPOINTS_KEPT} checkpoints, complete, and leaves no temp or trash folders`, () => {
    const dir = newRun();
    const w = new RunFolderWriter(dir);
    for (const step of [2, 4, 6, 8]) save(w, step);
    assert.deepEqual(listCheckpoints(dir).map((c) => c.step), [6, 8]);
    // Only the kept checkpoints' folders: no .tmp-* or .trash-* left beside them.
    assert.deepEqual(fs.readdirSync(path.join(dir, RunFiles.checkpoints)).sort(), listCheckpoints(dir).map((c) => path.basename(c.path)).sort());
    for (const c of listCheckpoints(dir)) assert.equal(fs.readFileSync(path.join(c.path, CheckpointFiles.model), 'utf8'), `step ${c.step}`);
  });

  it("removes a killed writer's unfinished checkpoint, half-deleted checkpoint and temp files, but not a live process's", () => {
    const dir = newRun();
    const checkpoints = path.join(dir, RunFiles.checkpoints);
    save(new RunFolderWriter(dir), 3);
    const dead = deadPid();
    fs.mkdirSync(path.join(checkpoints, `.tmp-step-5-${dead}`));
    fs.writeFileSync(path.join(checkpoints, `.tmp-step-5-${dead}`, CheckpointFiles.model), 'half');
    fs.mkdirSync(path.join(checkpoints, `.trash-step-1-${dead}`));
    fs.writeFileSync(path.join(dir, `${RunFiles.status}.tmp-${dead}`), '{"torn');
    const live = `${RunFiles.status}.tmp-${process.pid}`;
    fs.writeFileSync(path.join(dir, live), '{"being written by a live manager');

    new RunFolderWriter(dir);

    assert.deepEqual(fs.readdirSync(checkpoints), [path.basename(listCheckpoints(dir)[0]!.path)]);
    assert.deepEqual(listCheckpoints(dir).map((c) => c.step), [3]);
    const left = fs.readdirSync(dir);
    assert.ok(!left.includes(`${RunFiles.status}.tmp-${dead}`), left.join(', '));
    assert.ok(left.includes(live), 'the temp file of a live process stays');
  });
});

describe('run spec', () => {
  it('reads a folder written before per-layer structures (one "groups" list) as every layer having those groups', () => {
    const dir = newRun();
    const file = path.join(dir, RunFiles.spec);
    const written = readRunSpec(dir);
    // Three blocks, so "every layer" is visible.
    const spec = { ...written.spec, model: { ...written.spec.model, layers: 3 }, layers: Array(3).fill(written.spec.layers[0]) };
    const { layers, ...rest } = spec;
    fs.writeFileSync(file, JSON.stringify({ ...written, spec: { ...rest, groups: layers[0]!.groups } }));
    const legacy = readRunSpec(dir);
    assert.deepEqual(legacy.spec, spec);
    assert.ok(!('groups' in legacy.spec));
  });
});
