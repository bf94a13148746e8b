/**
 * The training step on a tiny model: learning happens, the same seed gives the same losses, memory stays flat,
 * and a non-finite loss stops training with "diverged at step N".
 */
import '@tensorflow/tfjs-backend-cpu';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { Rng } from '../../src/core/random';
import { DivergedError, Trainer } from '../../src/engine/train/trainer';
import { ToyModel, ToyTask, toySpec } from './engine.train.fixtures';

async function train(
  seed: number,
  steps: number,
  lossScale = 1,
  microBatchSize: number | null = null,
): Promise<{ losses: number[]; trainer: Trainer }> {
  const spec = toySpec({ steps, batchSize: 16, lr: 0.02, warmupSteps: 2, gradClip: 1, weightDecay: 0.01, seed, microBatchSize });
  const root = new Rng(spec.training.seed);
  const trainer = new Trainer(new ToyModel(spec, root.fork(), lossScale), new ToyTask(spec, root.fork()), spec.training);
  const losses: number[] = [];
  for (let s = 1; s <= steps; s++) losses.push((await trainer.step(s)).loss);
  return { losses, trainer };
}

function dispose(t: Trainer): void {
  t.dispose();
  t.model.dispose();
}

describe('Trainer', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('lowers the loss', async () => {
    const { losses, trainer } = await train(1, 60);
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
    assert.ok(last < 0.7 * first, `loss went from ${first} to ${last}`);
    dispose(trainer);
  });

  it('gives identical losses for the same seed and different ones for another seed', async () => {
    const a = await train(5, 8);
    const b = await train(5, 8);
    const c = await train(6, 8);
    assert.deepEqual(a.losses, b.losses);
    assert.notDeepEqual(a.losses, c.losses);
    [a, b, c].forEach((r) => dispose(r.trainer));
  });

  it('keeps the number of live tensors flat from step to step, evaluation included', async () => {
    const spec = toySpec({ steps: 20, batchSize: 8, seed: 2, gradClip: 1, weightDecay: 0.1 });
    const root = new Rng(2);
    const trainer = new Trainer(new ToyModel(spec, root.fork()), new ToyTask(spec, root.fork()), spec.training);
    await trainer.step(1);
    const after1 = tf.memory().numTensors;
    for (let s = 2; s <= 10; s++) await trainer.step(s);
    await trainer.evaluate(10);
    assert.equal(tf.memory().numTensors, after1);
    dispose(trainer);
  });

  it('accumulates micro-batch gradients into the update of the whole batch', async () => {
    const whole = await train(4, 6);
    const micro = await train(4, 6, 1, 4);
    whole.losses.forEach((l, i) => assert.ok(Math.abs(l - micro.losses[i]) < 1e-5 * (1 + l), `step ${i + 1}: ${l} vs ${micro.losses[i]}`));
    whole.trainer.model.params.forEach((p, i) => {
      const a = p.variable.dataSync();
      const b = micro.trainer.model.params[i].variable.dataSync();
      a.forEach((x, e) => assert.ok(Math.abs(x - b[e]) < 1e-5, `${p.name}[${e}]`));
    });
    assert.equal(micro.trainer.passes, 4);
    [whole, micro].forEach((r) => dispose(r.trainer));
    await assert.rejects(train(4, 1, 1, 5), /training\.microBatchSize \(5\) must divide training\.batchSize \(16\)/);
  });

  it('stops on a non-finite loss with the step it happened at', async () => {
    await assert.rejects(
      train(1, 3, Infinity),
      (e: unknown) => e instanceof DivergedError && e.step === 1 && /^diverged at step 1 \(loss (NaN|Infinity)\)$/.test(e.message),
    );
  });
});
