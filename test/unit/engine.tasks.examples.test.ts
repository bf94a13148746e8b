/**
 * Every committed example, trainable and paper tier, trains from a clean clone: its task's data (examples/data)
 * loads without a DataError and gives a first batch shaped for the example's model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'jsonc-parser';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../src/core/random';
import { resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { createTask } from '../../src/engine/tasks';
import { allExamples } from './examples.tiers';

tf.setBackend('cpu');

const files = allExamples();

test('every example’s task (trainable and paper tier) loads its data and batches at the model’s sequence length', () => {
  assert.ok(files.length > 0, 'examples/ holds specs');
  for (const { dir, file, label } of files) {
    const spec = resolveSpec(parse(fs.readFileSync(path.join(dir, file), 'utf8')) as StructureSpec);
    const task = createTask({ spec, specDir: dir, rng: new Rng(0) });
    const batch = task.nextBatch(1);
    // Token sequences run at T = seqLen; ICL and forecast inputs carry a feature axis, LM ids do not.
    assert.equal(batch.inputs.shape[1], spec.model.seqLen, `${label}: ${task.describe()}`);
    assert.equal(batch.inputs.shape[0], spec.training.batchSize, label);
    tf.dispose([batch.inputs, batch.targets, ...(batch.mask ? [batch.mask] : [])]);
  }
});
