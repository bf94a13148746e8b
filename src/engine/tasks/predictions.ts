/**
 * Reading a model's predictions for one evaluation batch back to JavaScript, for the tasks that score predictions
 * (icl-regression, forecast). Asynchronous: the webgpu backend has no synchronous read under Node, so a task's
 * evaluation never calls dataSync/arraySync (test/unit/engine.train.asyncReadback.test.ts holds the training path to
 * that).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Model } from '../types';

export interface BatchPredictions {
  /** model.predict(batch.inputs), row-major. */
  predicted: tf.TypedArray;
  /** batch.targets, row-major, in the same layout. */
  targets: tf.TypedArray;
}

/**
 * The model's predictions for `batch` and the batch's targets, read asynchronously. Disposes the batch (inputs,
 * targets, mask) and every tensor the prediction created, also when the prediction or a read fails: the caller's
 * evaluation cannot wrap its awaits in a tf.tidy.
 */
export async function readPredictions(model: Model, batch: Batch): Promise<BatchPredictions> {
  let predicted: tf.Tensor | undefined;
  try {
    predicted = tf.tidy(() => model.predict(batch.inputs));
    const [values, targets] = await Promise.all([predicted.data(), batch.targets.data()]);
    return { predicted: values, targets };
  } finally {
    tf.dispose([batch.inputs, batch.targets, ...(batch.mask ? [batch.mask] : []), ...(predicted ? [predicted] : [])]);
  }
}
