/**
 * What each task puts around the trunk: how inputs become (B, T, D) embeddings, how final hidden states become
 * predictions, and the loss. The batch formats are the ones the tasks in ../tasks produce.
 *
 * - icl-regression (§2.1 GPTforICLRegression): inputs (B, T, inputDim) interleaved (x₁, ỹ₁, x₂, ỹ₂, …) with
 *   ỹ = (y, 0, …, 0); read-in inputDim → D; read-out D → 1; predictions (B, T/2) at the x positions (even indices);
 *   targets (B, T/2); optional mask (B, T/2) of the curriculum's active points; loss = masked mean squared error.
 * - language-model (§2.1 GPT): inputs and targets (B, T) int32 token ids; embedding as one-hot · table (tf.gather has
 *   no gradient on wasm); untied lm head D → vocab; predictions (B, T, vocab) logits; loss = mean cross-entropy, nats.
 * - forecast: inputs (B, L + H, C), the L observed steps then H zero placeholders; read-in C → D per step; read-out
 *   D → C; predictions (B, H, C) at the placeholders; targets (B, H, C); loss = mean squared error.
 *   Positions are added (the reference's GPTforTimeSeries defines them but never adds them, §7.16): without them the
 *   H identical placeholders would get identical predictions.
 *
 * Read-ins are initialised like the reference's ICL `_read_in` (an embedding: N(0, 0.02²), lr scale 1); read-outs and
 * the lm head are zero with lr scale W₀/D (§2.4). The forecast read-in follows the ICL rule, as the reference has no
 * µP rule for its never-trained time-series model.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedSpec, ResolvedTask } from '../../core/spec/resolve';
import type { Batch } from '../types';
import { linear } from './ops';
import type { ParamFactory } from './params';

export interface TaskHead {
  /** Inputs → embeddings (B, T, D), positions not yet added. */
  embed(inputs: tf.Tensor): tf.Tensor3D;
  /** Final hidden states (B, T, D) → the task's predictions. */
  predict(hidden: tf.Tensor3D): tf.Tensor;
  /** Scalar loss of predictions against a batch's targets. */
  loss(predictions: tf.Tensor, batch: Batch): tf.Scalar;
}

export function createTaskHead(params: ParamFactory, spec: ResolvedSpec): TaskHead {
  const task = spec.task;
  switch (task.kind) {
    case 'icl-regression':
      return new IclRegressionHead(params, spec, task);
    case 'language-model':
      return new LanguageModelHead(params, spec, task);
    case 'forecast':
      return new ForecastHead(params, spec, task);
  }
}

function requireSeqLen(spec: ResolvedSpec, expected: number, why: string): void {
  if (spec.model.seqLen !== expected) throw new Error(`model.seqLen is ${spec.model.seqLen} but must be ${expected}: ${why}.`);
}

function meanSquaredError(predictions: tf.Tensor, targets: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  const squared = tf.squaredDifference(predictions, targets);
  if (!mask) return tf.mean(squared);
  return tf.div(tf.sum(tf.mul(squared, mask)), tf.maximum(tf.sum(mask), 1));
}

class IclRegressionHead implements TaskHead {
  private readonly readIn: tf.Variable;
  private readonly readOut: tf.Variable;

  constructor(params: ParamFactory, spec: ResolvedSpec, task: Extract<ResolvedTask, { kind: 'icl-regression' }>) {
    requireSeqLen(
      spec,
      4 * task.inputDim,
      `an icl-regression prompt holds 2·inputDim (x, y) pairs as 4·inputDim tokens (inputDim ${task.inputDim})`,
    );
    this.readIn = params.embedding('read_in', [task.inputDim, spec.model.width]);
    this.readOut = params.zeroMatrix('read_out', [spec.model.width, 1], spec.model.width);
  }

  embed(inputs: tf.Tensor): tf.Tensor3D {
    return linear(inputs, this.readIn as tf.Tensor2D) as tf.Tensor3D;
  }

  predict(hidden: tf.Tensor3D): tf.Tensor2D {
    const [b, t] = hidden.shape;
    // (B, T, 1) → (B, N, 2): column 0 holds the x positions. slice, unlike stridedSlice, has a gradient.
    const pairs = tf.reshape(linear(hidden, this.readOut as tf.Tensor2D), [b, t / 2, 2]);
    return tf.reshape(tf.slice(pairs, [0, 0, 0], [b, t / 2, 1]), [b, t / 2]);
  }

  loss(predictions: tf.Tensor, batch: Batch): tf.Scalar {
    return meanSquaredError(predictions, batch.targets, batch.mask);
  }
}

/**
 * One-hot rows (N, depth) of integer ids, as float32. Built as int32 and cast: the wasm OneHot kernel ignores the
 * dtype argument and always writes int32 bits, which a float32 output would misread as ~1e-45.
 */
function oneHotFloat(ids: tf.Tensor, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(tf.reshape(ids, [-1]) as tf.Tensor1D, depth), 'float32') as tf.Tensor2D;
}

class LanguageModelHead implements TaskHead {
  private readonly tokens: tf.Variable;
  private readonly head: tf.Variable;
  private readonly vocab: number;

  constructor(params: ParamFactory, spec: ResolvedSpec, task: Extract<ResolvedTask, { kind: 'language-model' }>) {
    this.vocab = task.vocabSize;
    this.tokens = params.embedding('wte', [task.vocabSize, spec.model.width]);
    this.head = params.zeroMatrix('lm_head', [spec.model.width, task.vocabSize], spec.model.width);
  }

  embed(inputs: tf.Tensor): tf.Tensor3D {
    const [b, t] = inputs.shape;
    return tf.reshape(tf.matMul(oneHotFloat(inputs, this.vocab), this.tokens as tf.Tensor2D), [b, t, -1]);
  }

  predict(hidden: tf.Tensor3D): tf.Tensor3D {
    return linear(hidden, this.head as tf.Tensor2D) as tf.Tensor3D;
  }

  loss(predictions: tf.Tensor, batch: Batch): tf.Scalar {
    const logProbs = tf.logSoftmax(tf.reshape(predictions, [-1, this.vocab]));
    const targets = oneHotFloat(batch.targets, this.vocab);
    return tf.neg(tf.mean(tf.sum(tf.mul(logProbs, targets), -1))) as tf.Scalar;
  }
}

class ForecastHead implements TaskHead {
  private readonly readIn: tf.Variable;
  private readonly readOut: tf.Variable;
  private readonly lookback: number;
  private readonly horizon: number;

  constructor(params: ParamFactory, spec: ResolvedSpec, task: Extract<ResolvedTask, { kind: 'forecast' }>) {
    requireSeqLen(
      spec,
      task.lookback + task.horizon,
      `the model reads lookback ${task.lookback} observed steps and horizon ${task.horizon} placeholders`,
    );
    this.lookback = task.lookback;
    this.horizon = task.horizon;
    this.readIn = params.embedding('read_in', [task.channels, spec.model.width]);
    this.readOut = params.zeroMatrix('read_out', [spec.model.width, task.channels], spec.model.width);
  }

  embed(inputs: tf.Tensor): tf.Tensor3D {
    return linear(inputs, this.readIn as tf.Tensor2D) as tf.Tensor3D;
  }

  predict(hidden: tf.Tensor3D): tf.Tensor3D {
    const [b] = hidden.shape;
    const out = linear(hidden, this.readOut as tf.Tensor2D);
    return tf.slice(out, [0, this.lookback, 0], [b, this.horizon, -1]) as tf.Tensor3D;
  }

  loss(predictions: tf.Tensor, batch: Batch): tf.Scalar {
    return meanSquaredError(predictions, batch.targets);
  }
}
