/**
 * The seam between the model/task side of the engine (src/engine/model, src/engine/tasks) and the training side
 * (src/engine/train, worker.ts). Both sides code against these types only.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ResolvedSpec } from '../core/spec/resolve';
import type { Rng } from '../core/random';

/** One trainable tensor with what the optimiser needs to know about it (µP, §2.4). */
export interface NamedParam {
  /** Stable, unique, checkpoint key, e.g. "h.3.attn.wq". */
  name: string;
  variable: tf.Variable;
  /** Per-tensor learning-rate multiplier: W₀/fan_in for matrices, 1 for embeddings and gains (§2.4). */
  lrScale: number;
  /** AdamW weight decay applies only to tensors of two or more dimensions. */
  decay: boolean;
}

/** A batch of model inputs and targets, as tensors owned by the caller (dispose after use). */
export interface Batch {
  inputs: tf.Tensor;
  targets: tf.Tensor;
  /** Optional per-position weight (e.g. ICL curriculum masks); same leading shape as targets. */
  mask?: tf.Tensor;
  /** Number of tokens this batch trains on (for throughput and FLOP accounting). */
  tokens: number;
}

export interface Model {
  readonly spec: ResolvedSpec;
  readonly params: NamedParam[];
  /**
   * The task's predictions for a batch's inputs, without the loss: icl-regression (B, N) values at the x positions,
   * language-model (B, T, vocab) logits, forecast (B, horizon, channels). Tasks evaluate with it. Pure, like loss.
   */
  predict(inputs: tf.Tensor): tf.Tensor;
  /** Scalar training loss of a batch. Pure: builds no variables; call inside tf.variableGrads/tf.tidy. */
  loss(batch: Batch): tf.Scalar;
  /**
   * Pre-softmax logits (B, H, T, T) of every head of one layer (0-based) for inputs X (B, T, D) after ln_1, for tests
   * and diagrams: every scale (and MLR's coverage weights) applied, the causal/window mask NOT applied; head groups in
   * head order; global-local heads give the sum of their two scaled parts.
   */
  attentionLogits(layer: number, x: tf.Tensor3D): tf.Tensor4D;
  dispose(): void;
}

/** Evaluation metrics, named as the run's metrics.jsonl reports them (e.g. "loss", "bpc", "mse", "mae"). */
export type Metrics = Record<string, number>;

export interface Task {
  /** Training batch for a step. Deterministic given the task's RNG state. */
  nextBatch(step: number): Batch;
  /**
   * Evaluate the model on the task's evaluation split(s); resolves to metrics keyed "val.loss", "test.mse", …
   * Asynchronous because it reads tensors back with `await t.data()`: the webgpu backend has no synchronous read
   * under Node (dataSync fails there). It disposes every tensor it creates: no tf.tidy can span its awaits.
   * `betweenBatches` is awaited before each batch: it lets a stop through (train/stop.ts) by throwing.
   */
  evaluate(model: Model, step: number, betweenBatches?: () => Promise<void>): Promise<Metrics>;
  /** Serialisable state (RNG, cursor, curriculum) so that a resumed run continues exactly. */
  state(): unknown;
  restore(state: unknown): void;
  /** One-line description for logs, e.g. "tinyshakespeare.txt: 65 chars, 1,003,854 train / 111,540 val". */
  describe(): string;
}

export interface TaskContext {
  spec: ResolvedSpec;
  /** Directory of the spec file: `data` paths are relative to it. */
  specDir: string;
  rng: Rng;
}
