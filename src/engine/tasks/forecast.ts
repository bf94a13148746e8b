/**
 * Multi-step time-series forecasting from a CSV (the ETT convention of Informer/Autoformer, which the paper's
 * forecasting experiments follow; the reference ships no pipeline, §5.3).
 *
 * - Channels: features "S" reads and predicts the target column only; "M" every numeric column.
 * - Split: "ett" takes 12/4/4 months of hourly rows (train [0, 8640), val [8640 − L, 11520), test [11520 − L, 14400)),
 *   each later split starting L rows early so its first window has a full lookback, as the convention does.
 *   Fractions [a, b, c] take ⌊n·a⌋, ⌊n·b⌋, ⌊n·c⌋ rows in order with the same overlap.
 * - Standardised per channel with the mean and (population) standard deviation of the training rows.
 * - A window at offset i of a split: inputs the L observed steps i … i+L−1 followed by H zero placeholders,
 *   targets steps i+L … i+L+H−1. Training samples windows uniformly.
 * - Evaluation: MSE and MAE (standardised scale, the convention) on val and test, over every window when
 *   evalBatches·batchSize covers them, else over that many evenly spaced windows (deterministic, the same every
 *   time). In "M" mode the target column's MSE and MAE are reported too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng, type RngState } from '../../core/random';
import type { ResolvedSpec } from '../../core/spec/resolve';
import type { Batch, Metrics, Model, Task, TaskContext } from '../types';
import { loadForecastData, type ForecastData, type ForecastSpec, type SplitName } from '../../data/forecastData';
import { readPredictions } from './predictions';

interface ForecastState {
  rng: RngState;
}

export class ForecastTask implements Task {
  readonly data: ForecastData;
  private readonly task: ForecastSpec;
  private rng: Rng;

  constructor(
    private readonly spec: ResolvedSpec,
    specDir: string,
    rng: Rng,
  ) {
    if (spec.task.kind !== 'forecast') throw new Error(`ForecastTask needs a forecast task, got ${spec.task.kind}`);
    this.task = spec.task;
    this.data = loadForecastData(specDir, spec.task);
    this.rng = rng;
  }

  /** Number of windows of a split. */
  windows(split: SplitName): number {
    const { start, end } = this.data.splits[split];
    return end - start - this.task.lookback - this.task.horizon + 1;
  }

  /** A batch of the windows at `offsets` of `split`. */
  batch(split: SplitName, offsets: number[]): Batch {
    const { lookback: l, horizon: h } = this.task;
    const c = this.data.channels.length;
    const start = this.data.splits[split].start;
    const values = this.data.values;
    const inputs = new Float32Array(offsets.length * (l + h) * c); // placeholders stay 0
    const targets = new Float32Array(offsets.length * h * c);
    offsets.forEach((offset, b) => {
      const first = (start + offset) * c;
      inputs.set(values.subarray(first, first + l * c), b * (l + h) * c);
      targets.set(values.subarray(first + l * c, first + (l + h) * c), b * h * c);
    });
    return {
      inputs: tf.tensor3d(inputs, [offsets.length, l + h, c]),
      targets: tf.tensor3d(targets, [offsets.length, h, c]),
      tokens: offsets.length * (l + h),
    };
  }

  nextBatch(): Batch {
    const count = this.windows('train');
    return this.batch(
      'train',
      Array.from({ length: this.spec.training.batchSize }, () => this.rng.int(count)),
    );
  }

  /** Offsets evaluated on a split: all windows, or evenly spaced ones when there are more than the budget. */
  evaluationOffsets(split: SplitName): number[] {
    const count = this.windows(split);
    const budget = this.spec.training.evalBatches * this.spec.training.batchSize;
    if (count <= budget) return Array.from({ length: count }, (_, i) => i);
    return Array.from({ length: budget }, (_, i) => Math.floor((i * count) / budget));
  }

  async evaluate(model: Model, _step: number, betweenBatches?: () => Promise<void>): Promise<Metrics> {
    const metrics: Metrics = {};
    const c = this.data.channels.length;
    const target = this.data.targetChannel;
    for (const split of ['val', 'test'] as const) {
      const offsets = this.evaluationOffsets(split);
      let squared = 0;
      let absolute = 0;
      let targetSquared = 0;
      let targetAbsolute = 0;
      for (let i = 0; i < offsets.length; i += this.spec.training.batchSize) {
        await betweenBatches?.();
        const batch = this.batch(split, offsets.slice(i, i + this.spec.training.batchSize));
        const { predicted, targets: expected } = await readPredictions(model, batch);
        for (let j = 0; j < expected.length; j++) {
          const error = predicted[j]! - expected[j]!;
          squared += error * error;
          absolute += Math.abs(error);
          if (j % c === target) {
            targetSquared += error * error;
            targetAbsolute += Math.abs(error);
          }
        }
      }
      const values = offsets.length * this.task.horizon * c;
      metrics[`${split}.mse`] = squared / values;
      metrics[`${split}.mae`] = absolute / values;
      if (this.task.features === 'M') {
        metrics[`${split}.targetMse`] = (targetSquared * c) / values;
        metrics[`${split}.targetMae`] = (targetAbsolute * c) / values;
      }
    }
    // The training loss is this MSE; "val.loss" lets every task's runs be compared on one key.
    metrics['val.loss'] = metrics['val.mse']!;
    return metrics;
  }

  state(): ForecastState {
    return { rng: this.rng.state };
  }

  restore(state: unknown): void {
    this.rng = new Rng((state as ForecastState).rng);
  }

  describe(): string {
    const { lookback, horizon, features } = this.task;
    const w = (s: SplitName) => this.windows(s).toLocaleString('en-US');
    return `${this.data.file.split(/[\\/]/).pop()}: ${this.data.rows.toLocaleString('en-US')} rows, ${features} (${this.data.channels.join(', ')}), lookback ${lookback} → horizon ${horizon}; windows ${w('train')} train / ${w('val')} val / ${w('test')} test`;
  }
}

export function createForecastTask(ctx: TaskContext): Task {
  return new ForecastTask(ctx.spec, ctx.specDir, ctx.rng);
}
