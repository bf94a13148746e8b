/**
 * One optimiser step at a time: batch → loss and gradients → AdamW. Nothing here knows about files or processes
 * (see job.ts), so the loop is unit-testable on any Model/Task.
 *
 * Determinism: every random draw comes from the seeded Rngs of the model and task, the step order is fixed, and
 * tfjs runs one op at a time on one thread, so the same seed gives the same losses on the same backend.
 * Memory: everything a step creates lives inside one tf.tidy and the batch is disposed after it, so the number of
 * live tensors does not grow from step to step. With training.microBatchSize the batch is split along its first axis
 * and each part runs its own forward/backward pass (gradient accumulation): the activations of only one part are
 * alive at a time, and the averaged gradients are those of the whole batch whenever the parts weigh the same in the
 * loss (equal sizes; for masked losses, equal mask sums, as in an ICL batch, whose prompts share one curriculum).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedTraining } from '../../core/spec/resolve';
import type { Batch, Metrics, Model, Task } from '../types';
import { AdamW } from './adamw';
import { lrMultiplier } from './schedule';

export interface StepResult {
  step: number;
  loss: number;
  /** Scheduled base learning rate of this step. */
  lr: number;
  tokens: number;
}

/** A NaN or infinite loss: training cannot continue, and the weights are no longer worth checkpointing. */
export class DivergedError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(`diverged at step ${step} (loss ${loss})`);
    this.name = 'DivergedError';
  }
}

export class Trainer {
  readonly optimizer: AdamW;
  private readonly variables: tf.Variable[];

  constructor(
    readonly model: Model,
    readonly task: Task,
    private readonly training: ResolvedTraining,
  ) {
    if (training.microBatchSize !== null && training.batchSize % training.microBatchSize !== 0) {
      throw new Error(`training.microBatchSize (${training.microBatchSize}) must divide training.batchSize (${training.batchSize})`);
    }
    this.optimizer = new AdamW(model.params, training);
    this.variables = model.params.map((p) => p.variable);
  }

  /** Forward/backward passes per step. */
  get passes(): number {
    const micro = this.training.microBatchSize;
    return micro === null ? 1 : this.training.batchSize / micro;
  }

  /**
   * Run step number `step` (1-based: the first step of a run is 1, matching the schedule and the metric records).
   * Throws DivergedError when the loss is not finite. Reads the loss asynchronously: the webgpu backend has no
   * synchronous read under Node, and a run must train the same way on every backend.
   */
  async step(step: number): Promise<StepResult> {
    const { loss, ...rest } = this.update(step);
    let lossValue: number;
    try {
      lossValue = (await loss.data())[0]!;
    } finally {
      loss.dispose();
    }
    if (!Number.isFinite(lossValue)) throw new DivergedError(step, lossValue);
    return { ...rest, loss: lossValue };
  }

  /** Draw the batch, compute the loss and its gradients, apply AdamW; the loss stays a tensor to read. */
  private update(step: number): { step: number; lr: number; tokens: number; loss: tf.Scalar } {
    const lr = this.training.lr * lrMultiplier(step, this.training);
    const batch = this.task.nextBatch(step);
    try {
      const loss = tf.tidy(() => {
        const parts = splitBatch(batch, this.passes);
        let lossSum: tf.Tensor | undefined;
        let gradSums: (tf.Tensor | undefined)[] = this.variables.map(() => undefined);
        for (const part of parts) {
          const { value, grads } = tf.variableGrads(() => this.model.loss(part), this.variables);
          lossSum = lossSum ? tf.add(lossSum, value) : value;
          gradSums = this.variables.map((v, i) => {
            const g = grads[v.name];
            return g && gradSums[i] ? tf.add(gradSums[i]!, g) : (g ?? gradSums[i]);
          });
        }
        const k = parts.length;
        this.optimizer.apply(k === 1 ? gradSums : gradSums.map((g) => g && tf.div(g, k)), lr);
        return (k === 1 ? lossSum! : tf.div(lossSum!, k)) as tf.Scalar;
      });
      return { step, lr, tokens: batch.tokens, loss };
    } finally {
      batch.inputs.dispose();
      batch.targets.dispose();
      batch.mask?.dispose();
    }
  }

  /**
   * The task's evaluation metrics after `step`. No tf.tidy around it (a tidy cannot span the task's asynchronous
   * reads): Task.evaluate disposes what it creates, which the live-tensor tests of the trainer and job check.
   */
  evaluate(step: number, betweenBatches?: () => Promise<void>): Promise<Metrics> {
    return this.task.evaluate(this.model, step, betweenBatches);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** `k` equal batches along the first axis (the batch itself when k is 1). Call inside tf.tidy. */
function splitBatch(batch: Batch, k: number): Batch[] {
  if (k === 1) return [batch];
  const inputs = tf.split(batch.inputs, k, 0);
  const targets = tf.split(batch.targets, k, 0);
  const masks = batch.mask ? tf.split(batch.mask, k, 0) : undefined;
  return inputs.map((x, i) => ({ inputs: x, targets: targets[i], ...(masks ? { mask: masks[i] } : {}), tokens: batch.tokens / k }));
}
