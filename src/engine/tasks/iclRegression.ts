/**
 * In-context linear regression (§5.1, Garg et al. as modified by the reference). Each prompt draws w ~ N(0, I_d)
 * and N = 2·inputDim points x ~ N(0, I/d_cur) whose coordinates beyond the curriculum's d_cur are zero, with
 * y = xᵀw (+ noise·ε). The model reads (x₁, ỹ₁, x₂, ỹ₂, …), ỹ = (y, 0, …, 0), T = 4·inputDim tokens, and predicts y_i
 * at token x_i.
 *
 * Curriculum (adaptive, §5.1): after every `interval` steps, d_cur grows by dimsIncrement and the number of points
 * by 2·dimsIncrement, clamped at inputDim and 2·inputDim. It is a pure function of the step, so a resumed run
 * continues it exactly.
 *
 * Choice: prompts always hold all N points (the model runs at its fixed T, which MLR attention requires); the loss
 * is masked to the curriculum's current points. Causal attention makes this identical to the reference's shorter
 * prompts; `tokens` counts the full T, the compute actually spent.
 *
 * Evaluation draws evalBatches fresh batches from a fixed evaluation stream (the same prompts at every evaluation,
 * unlike the reference, which re-scores the step's training batch, §7.13), at the current curriculum, and reports
 * the masked MSE, the squared error at the last active point, and the excess loss: MSE / (Σ_{i<N} max(d_cur − i, 0)/N)
 * with N the active points (the reference's normaliser, §7.14).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng, type RngState } from '../../core/random';
import type { ResolvedSpec, ResolvedTask } from '../../core/spec/resolve';
import type { Batch, Metrics, Model, Task, TaskContext } from '../types';
import { readPredictions } from './predictions';

type IclTask = Extract<ResolvedTask, { kind: 'icl-regression' }>;

export interface Curriculum {
  dims: number;
  points: number;
}

/**
 * The curriculum after `updates` calls of the reference's Curriculum.update(), which runs once per training step:
 * training step s (1-based, the trainer's numbering) draws its batch after s − 1 updates, and an evaluation after
 * step s sees s updates.
 */
export function curriculumAfter(task: IclTask, updates: number): Curriculum {
  const { startDims, startPoints, interval, dimsIncrement } = task.curriculum;
  const increments = Math.floor(Math.max(0, updates) / interval);
  return {
    dims: Math.min(task.inputDim, startDims + increments * dimsIncrement),
    points: Math.min(2 * task.inputDim, startPoints + increments * 2 * dimsIncrement),
  };
}

/** The reference's excess-loss normaliser Σ_{i<N} max(d − i, 0)/N. */
export function excessLossBaseline(dims: number, points: number): number {
  let sum = 0;
  for (let i = 0; i < points; i++) sum += Math.max(dims - i, 0);
  return sum / points;
}

interface IclState {
  rng: RngState;
  evalSeed: number;
}

export class IclRegressionTask implements Task {
  private readonly task: IclTask;
  private rng: Rng;
  private evalSeed: number;

  constructor(
    private readonly spec: ResolvedSpec,
    rng: Rng,
  ) {
    if (spec.task.kind !== 'icl-regression') throw new Error(`IclRegressionTask needs an icl-regression task, got ${spec.task.kind}`);
    this.task = spec.task;
    this.evalSeed = rng.int(2 ** 32);
    this.rng = rng;
  }

  /** A batch of `size` prompts at a curriculum, drawn from `rng`. */
  sample(rng: Rng, size: number, { dims, points }: Curriculum): Batch {
    const d = this.task.inputDim;
    const n = 2 * d;
    const inputs = new Float32Array(size * 2 * n * d);
    const targets = new Float32Array(size * n);
    const mask = new Float32Array(size * n);
    const xStd = 1 / Math.sqrt(dims);
    const w = new Float64Array(d);
    for (let b = 0; b < size; b++) {
      for (let k = 0; k < d; k++) w[k] = rng.normal();
      for (let i = 0; i < n; i++) {
        const xToken = (b * 2 * n + 2 * i) * d;
        let y = 0;
        for (let k = 0; k < dims; k++) {
          const x = xStd * rng.normal();
          inputs[xToken + k] = x;
          y += x * w[k]!;
        }
        if (this.task.noise > 0) y += this.task.noise * rng.normal();
        inputs[xToken + d] = y; // ỹ_i = (y_i, 0, …, 0), the token after x_i
        targets[b * n + i] = y;
        mask[b * n + i] = i < points ? 1 : 0;
      }
    }
    return {
      inputs: tf.tensor3d(inputs, [size, 2 * n, d]),
      targets: tf.tensor2d(targets, [size, n]),
      mask: tf.tensor2d(mask, [size, n]),
      tokens: size * 2 * n,
    };
  }

  /** The batch of training step `step` (1-based). */
  nextBatch(step: number): Batch {
    return this.sample(this.rng, this.spec.training.batchSize, curriculumAfter(this.task, step - 1));
  }

  /** Metrics after `step` training steps, at the curriculum the model has reached. */
  async evaluate(model: Model, step: number, betweenBatches?: () => Promise<void>): Promise<Metrics> {
    const curriculum = curriculumAfter(this.task, step);
    const rng = new Rng(this.evalSeed);
    const n = 2 * this.task.inputDim;
    let squaredSum = 0;
    let lastSquaredSum = 0;
    let prompts = 0;
    for (let i = 0; i < this.spec.training.evalBatches; i++) {
      await betweenBatches?.();
      const { predicted, targets } = await readPredictions(model, this.sample(rng, this.spec.training.batchSize, curriculum));
      for (let b = 0; b < targets.length / n; b++, prompts++) {
        for (let p = 0; p < curriculum.points; p++) squaredSum += (predicted[b * n + p]! - targets[b * n + p]!) ** 2;
        lastSquaredSum += (predicted[b * n + curriculum.points - 1]! - targets[b * n + curriculum.points - 1]!) ** 2;
      }
    }
    const mse = squaredSum / (prompts * curriculum.points);
    return {
      'val.loss': mse,
      'val.lastPointError': lastSquaredSum / prompts,
      'val.excessLoss': mse / excessLossBaseline(curriculum.dims, curriculum.points),
      'curriculum.dims': curriculum.dims,
      'curriculum.points': curriculum.points,
    };
  }

  state(): IclState {
    return { rng: this.rng.state, evalSeed: this.evalSeed };
  }

  restore(state: unknown): void {
    const s = state as IclState;
    this.rng = new Rng(s.rng);
    this.evalSeed = s.evalSeed;
  }

  describe(): string {
    const { inputDim, curriculum: c } = this.task;
    return `in-context regression, d = ${inputDim}, ${2 * inputDim} points; curriculum from ${c.startDims} dims / ${c.startPoints} points, +${c.dimsIncrement} / +${2 * c.dimsIncrement} every ${c.interval} steps`;
  }
}

export function createIclRegressionTask(ctx: TaskContext): Task {
  return new IclRegressionTask(ctx.spec, ctx.rng);
}
