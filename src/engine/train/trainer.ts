/**
 * One optimiser step at a time: batch → loss and gradients → AdamW. Nothing here knows about files or processes
 * (see job.ts), so the loop is unit-testable on any Model/Task.
 *
 * Determinism: every random draw comes from the seeded Rngs of the model and task, the step order is fixed, and
 * tfjs runs one op at a time on one thread, so the same seed gives the same losses on the same backend.
 * Memory: everything a step creates lives inside one tf.tidy and the batch is disposed after it, so the number of
 * live tensors does not grow from step to step.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedTraining } from '../../core/spec/resolve';
import type { Model, Task } from '../types';
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
    this.optimizer = new AdamW(model.params, training);
    this.variables = model.params.map((p) => p.variable);
  }

  /**
   * Run step number `step` (1-based: the first step of a run is 1, matching the schedule and the metric records).
   * Throws DivergedError when the loss is not finite.
   */
  step(step: number): StepResult {
    const lr = this.training.lr * lrMultiplier(step, this.training);
    const batch = this.task.nextBatch(step);
    let lossValue: number;
    try {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => this.model.loss(batch), this.variables);
        this.optimizer.apply(
          this.variables.map((v) => grads[v.name]),
          lr,
        );
        return value;
      });
      lossValue = loss.dataSync()[0];
      loss.dispose();
    } finally {
      batch.inputs.dispose();
      batch.targets.dispose();
      batch.mask?.dispose();
    }
    if (!Number.isFinite(lossValue)) throw new DivergedError(step, lossValue);
    return { step, loss: lossValue, lr, tokens: batch.tokens };
  }

  /** The task's evaluation metrics after `step`. */
  evaluate(step: number): Record<string, number> {
    return tf.tidy(() => this.task.evaluate(this.model, step));
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
