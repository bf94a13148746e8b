/**
 * Character-level language modelling on a UTF-8 text file (§5.2 style). The vocabulary is the file's distinct
 * characters (Unicode code points), sorted, mapped to ids 0…n−1; the text is split 90/10 into train and validation;
 * batches are random windows of seqLen + 1 characters (inputs the first seqLen, targets shifted by one).
 *
 * Choice: the model's vocabulary is task.vocabSize (so the built model has exactly the parameters the analysis
 * counts); the file may use fewer characters (the unused ids are never targets) but not more — that is a DataError.
 *
 * Evaluation: evalBatches random validation windows from a fixed evaluation stream (the same windows every time,
 * so evaluations are comparable), mean cross-entropy in nats (val.loss) and in bits per character (val.bpc).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng, type RngState } from '../../core/random';
import type { ResolvedSpec } from '../../core/spec/resolve';
import type { Batch, Metrics, Model, Task, TaskContext } from '../types';
import { loadCharacterCorpus, type CharacterCorpus } from '../../data/characterCorpus';

interface LmState {
  rng: RngState;
  evalSeed: number;
}

export class LanguageModelTask implements Task {
  readonly corpus: CharacterCorpus;
  private rng: Rng;
  private evalSeed: number;

  constructor(
    private readonly spec: ResolvedSpec,
    specDir: string,
    rng: Rng,
  ) {
    if (spec.task.kind !== 'language-model') throw new Error(`LanguageModelTask needs a language-model task, got ${spec.task.kind}`);
    this.corpus = loadCharacterCorpus(specDir, spec.task, spec.model.seqLen);
    this.evalSeed = rng.int(2 ** 32);
    this.rng = rng;
  }

  /** `size` random windows of `split`: inputs ids[s … s+T−1], targets ids[s+1 … s+T]. */
  private sample(rng: Rng, split: Int32Array, size: number): Batch {
    const t = this.spec.model.seqLen;
    const inputs = new Int32Array(size * t);
    const targets = new Int32Array(size * t);
    for (let b = 0; b < size; b++) {
      const start = rng.int(split.length - t);
      inputs.set(split.subarray(start, start + t), b * t);
      targets.set(split.subarray(start + 1, start + t + 1), b * t);
    }
    return { inputs: tf.tensor2d(inputs, [size, t], 'int32'), targets: tf.tensor2d(targets, [size, t], 'int32'), tokens: size * t };
  }

  nextBatch(): Batch {
    return this.sample(this.rng, this.corpus.train, this.spec.training.batchSize);
  }

  async evaluate(model: Model, _step: number, betweenBatches?: () => Promise<void>): Promise<Metrics> {
    const rng = new Rng(this.evalSeed);
    let total = 0;
    const batches = this.spec.training.evalBatches;
    for (let i = 0; i < batches; i++) {
      await betweenBatches?.();
      const batch = this.sample(rng, this.corpus.val, this.spec.training.batchSize);
      let loss: tf.Scalar | undefined;
      try {
        loss = tf.tidy(() => model.loss(batch));
        total += (await loss.data())[0]!; // asynchronous: the webgpu backend has no synchronous read under Node
      } finally {
        tf.dispose([batch.inputs, batch.targets, ...(loss ? [loss] : [])]);
      }
    }
    const loss = total / batches;
    return { 'val.loss': loss, 'val.bpc': loss / Math.LN2 };
  }

  state(): LmState {
    return { rng: this.rng.state, evalSeed: this.evalSeed };
  }

  restore(state: unknown): void {
    const s = state as LmState;
    this.rng = new Rng(s.rng);
    this.evalSeed = s.evalSeed;
  }

  describe(): string {
    const { file, vocabulary, train, val } = this.corpus;
    const n = (k: number) => k.toLocaleString('en-US');
    return `${file.split(/[\\/]/).pop()}: ${vocabulary.length} chars, ${n(train.length)} train / ${n(val.length)} val`;
  }
}

export function createLanguageModelTask(ctx: TaskContext): Task {
  return new LanguageModelTask(ctx.spec, ctx.specDir, ctx.rng);
}
