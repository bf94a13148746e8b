/**
 * Test doubles for the training side: a tiny two-layer regression model and its task, implementing the engine seam
 * (src/engine/types.ts) with seeded initialisation and a checkpointable data stream, so the optimiser, the loop,
 * checkpoints and resumption can be tested in milliseconds, independently of the real transformer.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, type RngState } from '../../src/core/random';
import { resolveSpec, type ResolvedSpec, type ResolvedTraining } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import type { JobDependencies } from '../../src/engine/train/job';
import type { Batch, Model, NamedParam, Task, TaskContext } from '../../src/engine/types';

export const IN = 6;
export const HIDDEN = 8;

/** y = tanh(x·W1 ⊙ g)·W2: two decayed matrices with µP-like lr scales and one undecayed gain. */
export class ToyModel implements Model {
  readonly params: NamedParam[];

  constructor(
    readonly spec: ResolvedSpec,
    rng: Rng,
    /** Multiplies the loss: a huge value makes the run diverge. */
    private readonly lossScale = 1,
  ) {
    const normal = (n: number, std: number) => Float32Array.from({ length: n }, () => std * rng.normal());
    this.params = [
      { name: 'w1', variable: tf.variable(tf.tensor2d(normal(IN * HIDDEN, 1 / Math.sqrt(IN)), [IN, HIDDEN])), lrScale: 2, decay: true },
      { name: 'gain', variable: tf.variable(tf.ones([HIDDEN])), lrScale: 1, decay: false },
      { name: 'w2', variable: tf.variable(tf.tensor2d(normal(HIDDEN, 0.1), [HIDDEN, 1])), lrScale: 0.5, decay: true },
    ];
  }

  predict(inputs: tf.Tensor): tf.Tensor {
    const [w1, gain, w2] = this.params.map((p) => p.variable);
    return tf.matMul(tf.tanh(tf.mul(tf.matMul(inputs as tf.Tensor2D, w1 as tf.Tensor2D), gain)), w2 as tf.Tensor2D);
  }

  loss(batch: Batch): tf.Scalar {
    return tf.mul(tf.mean(tf.squaredDifference(this.predict(batch.inputs), batch.targets)), this.lossScale);
  }

  attentionLogits(): tf.Tensor4D {
    throw new Error('the toy model has no attention');
  }

  dispose(): void {
    for (const p of this.params) p.variable.dispose();
  }
}

/** Regression on a fixed random teacher; batches come from a checkpointable Rng. */
export class ToyTask implements Task {
  private rng: Rng;
  private readonly teacher: Float32Array;

  constructor(
    private readonly spec: ResolvedSpec,
    rng: Rng,
  ) {
    this.teacher = Float32Array.from({ length: IN }, () => rng.normal());
    this.rng = rng;
  }

  private sample(rng: Rng, size: number): Batch {
    const x = new Float32Array(size * IN);
    const y = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      let s = 0;
      for (let k = 0; k < IN; k++) {
        x[i * IN + k] = rng.normal();
        s += x[i * IN + k] * this.teacher[k];
      }
      y[i] = Math.sin(s);
    }
    return { inputs: tf.tensor2d(x, [size, IN]), targets: tf.tensor2d(y, [size, 1]), tokens: size };
  }

  nextBatch(): Batch {
    return this.sample(this.rng, this.spec.training.batchSize);
  }

  async evaluate(model: Model): Promise<Record<string, number>> {
    const batch = this.sample(new Rng(12345), 64);
    const loss = tf.tidy(() => model.loss(batch));
    const value = (await loss.data())[0];
    tf.dispose([batch.inputs, batch.targets, loss]);
    return { 'val.loss': value };
  }

  state(): { rng: RngState } {
    return { rng: this.rng.state };
  }

  restore(state: unknown): void {
    this.rng = new Rng((state as { rng: RngState }).rng);
  }

  describe(): string {
    return 'toy regression';
  }
}

export function toyDependencies(lossScale = 1): JobDependencies {
  return {
    buildModel: (spec, rng) => new ToyModel(spec, rng, lossScale),
    createTask: (ctx: TaskContext) => new ToyTask(ctx.spec, ctx.rng),
  };
}

/** A valid spec (the toy model ignores its architecture) with the given training fields, on the cpu backend. */
export function toySpec(training: Partial<ResolvedTraining>): ResolvedSpec {
  return resolveSpec({
    name: 'toy',
    task: { kind: 'icl-regression', inputDim: 2, noise: 0 },
    model: { width: 8, heads: 2, layers: 1, seqLen: 8, mlpRatio: 4 },
    attention: { kind: 'dense', logitScale: 'standard', qkNorm: true },
    training: { backend: 'cpu', ...training },
  } as unknown as StructureSpec);
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mlbtc-${prefix}-`));
}
