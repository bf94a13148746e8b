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
  const text = decodeUtf8(file, bytes);
  const { vocabulary, length } = distinctCharacters(text);
  if (vocabulary.length > task.vocabSize) {
    throw new DataError(
      file,
      undefined,
      `the text has ${vocabulary.length} distinct characters but task.vocabSize is ${task.vocabSize}; set task.vocabSize to at least ${vocabulary.length}.`,
    );
  }
  const encoded = encode(text, vocabulary, length);
  const trainLength = Math.floor(encoded.length * TRAIN_FRACTION);
  const train = encoded.subarray(0, trainLength);
  const val = encoded.subarray(trainLength);
  for (const [name, split] of [
    ['training', train],
    ['validation', val],
  ] as const) {
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

/**
 * The sorted distinct characters (code points, sorted as strings) and how many characters the text has. Walks the
 * string by code point instead of Array.from(text), which held one string per character (about 53 bytes each): the
 * loader now keeps only the text and 4 bytes per character of ids (docs/choices.md, "Data paths", has the numbers).
 */
function distinctCharacters(text: string): { vocabulary: string[]; length: number } {
  const seen = new Set<number>();
  let length = 0;
  for (let i = 0; i < text.length; i++, length++) {
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    seen.add(cp);
  }
  return { vocabulary: [...seen].map((cp) => String.fromCodePoint(cp)).sort(), length };
}

/** The id of every character of `text` (its index in `vocabulary`). */
function encode(text: string, vocabulary: readonly string[], length: number): Int32Array {
  const ids = new Map(vocabulary.map((c, i) => [c.codePointAt(0)!, i]));
  const encoded = new Int32Array(length);
  for (let i = 0, k = 0; i < text.length; i++, k++) {
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    encoded[k] = ids.get(cp)!;
  }
  return encoded;
}
