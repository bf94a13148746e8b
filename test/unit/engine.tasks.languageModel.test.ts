/**
 * The character language-model task: vocabulary and 90/10 split, windows of seqLen + 1 characters, the data errors
 * (each naming the file and, where one line is at fault, the line), evaluation in nats and bits per character, and
 * the real tinyshakespeare file when it is present.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../src/core/random';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { buildModel } from '../../src/engine/model';
import { createTask } from '../../src/engine/tasks';
import { LanguageModelTask } from '../../src/engine/tasks/languageModel';
import { dataError, dataFolder } from './engine.tasks.fixtures';
import { dataSet, noDataSet } from './dataSets';

tf.setBackend('cpu');

const { dir, write } = dataFolder('lm');

function lmSpec(data: string | undefined, seqLen = 8, vocabSize = 20): ResolvedSpec {
  return resolveSpec({
    name: 'lm',
    task: { kind: 'language-model', vocabSize, ...(data ? { data } : {}) },
    model: { width: 16, heads: 2, layers: 1, seqLen },
    attention: { kind: 'dense' },
    training: { batchSize: 4, evalBatches: 2 },
  } as unknown as StructureSpec);
}

// 200 characters over the 10-letter alphabet "abcdefghij" plus newline: 11 distinct characters.
const text = Array.from({ length: 20 }, (_, i) => 'abcdefghij'.slice(i % 10) + 'abcdefghij'.slice(0, i % 10))
  .join('\n')
  .slice(0, 200);

test('vocabulary is the sorted distinct characters; 90/10 split; windows are consecutive text', () => {
  const file = write('small.txt', text);
  const task = new LanguageModelTask(lmSpec(file), dir, new Rng(3));
  const { vocabulary, train, val } = task.corpus;
  assert.deepEqual(vocabulary, ['\n', ...'abcdefghij']);
  assert.equal(train.length, 180);
  assert.equal(val.length, 20);
  const decode = (ids: ArrayLike<number>) => Array.from(ids, (id) => vocabulary[id]).join('');
  assert.equal(decode(train) + decode(val), text, 'the encoding round-trips');
  const batch = task.nextBatch();
  assert.deepEqual(batch.inputs.shape, [4, 8]);
  assert.equal(batch.inputs.dtype, 'int32');
  assert.equal(batch.tokens, 32);
  const inputs = batch.inputs.arraySync() as number[][];
  const targets = batch.targets.arraySync() as number[][];
  for (let b = 0; b < 4; b++) {
    assert.deepEqual(targets[b]!.slice(0, 7), inputs[b]!.slice(1), 'targets are the inputs shifted by one');
    assert.ok(text.slice(0, 180).includes(decode(inputs[b]!) + decode(targets[b]!.slice(7))), 'a window of the training split');
  }
  assert.equal(task.describe(), 'small.txt: 11 chars, 180 train / 20 val');
  tf.dispose([batch.inputs, batch.targets]);
});

test('characters are Unicode code points, not UTF-16 units', () => {
  const file = write('unicode.txt', 'héllo 𝄞 wörld\n'.repeat(20));
  const task = new LanguageModelTask(lmSpec(file), dir, new Rng(0));
  assert.ok(task.corpus.vocabulary.includes('𝄞'));
  assert.equal(task.corpus.train.length + task.corpus.val.length, 14 * 20);
});

test('state()/restore() resumes the batch stream exactly', () => {
  const spec = lmSpec(write('resume.txt', text));
  const a = createTask({ spec, specDir: dir, rng: new Rng(8) });
  const saved = JSON.parse(JSON.stringify(a.state()));
  const first = a.nextBatch(0);
  const b = createTask({ spec, specDir: dir, rng: new Rng(99) });
  b.restore(saved);
  const again = b.nextBatch(0);
  assert.deepEqual(again.inputs.arraySync(), first.inputs.arraySync());
  tf.dispose([first.inputs, first.targets, again.inputs, again.targets]);
});

test('evaluate: an untrained model (zero lm head) scores ln(vocab) nats = log2(vocab) bits per character', async () => {
  const spec = lmSpec(write('eval.txt', text));
  const task = createTask({ spec, specDir: dir, rng: new Rng(1) });
  const model = buildModel(spec, new Rng(1));
  const before = tf.memory().numTensors;
  const metrics = await task.evaluate(model, 0);
  assert.equal(tf.memory().numTensors, before, 'evaluation leaks no tensors');
  assert.ok(Math.abs(metrics['val.loss']! - Math.log(20)) < 1e-5);
  assert.ok(Math.abs(metrics['val.bpc']! - Math.log2(20)) < 1e-5);
  model.dispose();
});

test('data errors name the file (and line) before training', () => {
  assert.throws(() => createTask({ spec: lmSpec(undefined), specDir: dir, rng: new Rng(0) }), /task\.data is not set/);

  const missing = dataError(() => createTask({ spec: lmSpec('nope.txt'), specDir: dir, rng: new Rng(0) }));
  assert.equal(missing.file, path.join(dir, 'nope.txt'));
  assert.match(missing.message, /nope\.txt: cannot read the data file .*no such file/);

  assert.match(
    dataError(() => createTask({ spec: lmSpec(write('empty.txt', '')), specDir: dir, rng: new Rng(0) })).message,
    /empty\.txt: the data file is empty/,
  );

  const tooLong = dataError(() => createTask({ spec: lmSpec(write('short.txt', text), 32), specDir: dir, rng: new Rng(0) }));
  assert.match(tooLong.message, /validation split .* has 20 characters, fewer than model\.seqLen \+ 1 = 33/);

  const vocab = dataError(() => createTask({ spec: lmSpec(write('vocab.txt', text), 8, 5), specDir: dir, rng: new Rng(0) }));
  assert.match(vocab.message, /11 distinct characters but task\.vocabSize is 5/);

  const binary = write(
    'latin1.txt',
    Buffer.concat([Buffer.from('first line\nsecond\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]), Buffer.from('last\n')]),
  );
  const utf8 = dataError(() => createTask({ spec: lmSpec(binary), specDir: dir, rng: new Rng(0) }));
  assert.equal(utf8.line, 3);
  assert.match(utf8.message, /latin1\.txt:3: the file is not valid UTF-8/);
});

const shakespeare = dataSet('tinyshakespeare.txt');
test('tinyshakespeare: 65 characters, 1,003,854 train / 111,540 val', { skip: !shakespeare && noDataSet }, () => {
  const spec = lmSpec(shakespeare!, 256, 65);
  const task = createTask({ spec, specDir: '/', rng: new Rng(0) });
  assert.equal(task.describe(), 'tinyshakespeare.txt: 65 chars, 1,003,854 train / 111,540 val');
});
