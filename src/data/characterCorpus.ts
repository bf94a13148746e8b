/**
 * The text of a language-model task: read (with the data-path rules of dataError.ts), decoded as UTF-8, mapped to
 * character ids and split 90/10. No tensors: the CLI and the editor check data with it before any run starts, and
 * the tfjs task (src/engine/tasks/languageModel.ts) trains on what it returns.
 */
import type { ResolvedTask } from '../core/spec/resolve';
import { DataError, decodeUtf8, readDataFile } from './dataError';

export type LmTask = Extract<ResolvedTask, { kind: 'language-model' }>;

export const TRAIN_FRACTION = 0.9;

export interface CharacterCorpus {
  file: string;
  /** The distinct characters, sorted; id = index. */
  vocabulary: string[];
  train: Int32Array;
  val: Int32Array;
}

/** Read, check and encode a text file for a model of `vocabSize` ids and windows of seqLen + 1 characters. */
export function loadCharacterCorpus(specDir: string, task: LmTask, seqLen: number): CharacterCorpus {
  const { file, bytes } = readDataFile(specDir, task.data, 'language-model', 'a UTF-8 text file');
  const chars = Array.from(decodeUtf8(file, bytes));
  const vocabulary = [...new Set(chars)].sort();
  if (vocabulary.length > task.vocabSize) {
    throw new DataError(file, undefined, `the text has ${vocabulary.length} distinct characters but task.vocabSize is ${task.vocabSize}; set task.vocabSize to at least ${vocabulary.length}.`);
  }
  const ids = new Map(vocabulary.map((c, i) => [c, i]));
  const encoded = Int32Array.from(chars, (c) => ids.get(c)!);
  const trainLength = Math.floor(encoded.length * TRAIN_FRACTION);
  const train = encoded.subarray(0, trainLength);
  const val = encoded.subarray(trainLength);
  for (const [name, split] of [['training', train], ['validation', val]] as const) {
    if (split.length < seqLen + 1) {
      throw new DataError(
        file,
        undefined,
        `the ${name} split (${name === 'training' ? '90' : '10'}% of ${encoded.length} characters) has ${split.length} characters, fewer than model.seqLen + 1 = ${seqLen + 1}; use a longer text (at least ${Math.ceil((seqLen + 1) / (1 - TRAIN_FRACTION))} characters) or a shorter model.seqLen.`,
      );
    }
  }
  return { file, vocabulary, train, val };
}
