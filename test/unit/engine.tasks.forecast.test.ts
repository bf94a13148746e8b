/**
 * The forecasting task: CSV parsing, S/M channels, the "ett" and fractional splits with the lookback overlap,
 * standardisation with training statistics, windows with zero placeholders, evaluation metrics, the data errors,
 * and the real ETTh1 file's conventional window counts when it is present.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../src/core/random';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { createTask } from '../../src/engine/tasks';
import { splitCsvLine } from '../../src/data/csv';
import { ForecastTask } from '../../src/engine/tasks/forecast';
import type { Model } from '../../src/engine/types';
import { dataError, dataFolder } from './engine.tasks.fixtures';
import { dataSet, noDataSet } from './dataSets';

tf.setBackend('cpu');

const { dir, write } = dataFolder('forecast');

/** Channel values of the synthetic table: distinct, non-constant, easy to recompute. */
const value = (row: number, channel: number) => Math.sin(0.3 * row + channel) * (channel + 1) + 0.01 * row;
const columns = ['HUFL', 'MUFL', 'OT'];

function csv(rows: number, mutate?: (lines: string[]) => void): string {
  const lines = ['date,' + columns.join(',')];
  for (let r = 0; r < rows; r++) lines.push(`2016-07-01 ${r},${columns.map((_, c) => value(r, c)).join(',')}`);
  mutate?.(lines);
  return lines.join('\n') + '\n';
}

function forecastSpec(data: string, task: object = {}, batchSize = 4): ResolvedSpec {
  const t = { lookback: 8, horizon: 4, channels: 3, split: [0.7, 0.1, 0.2], ...task } as { lookback: number; horizon: number };
  return resolveSpec({
    name: 'forecast',
    task: { kind: 'forecast', data, ...t },
    model: { width: 16, heads: 2, layers: 1, seqLen: t.lookback + t.horizon },
    attention: { kind: 'dense' },
    training: { batchSize, evalBatches: 2 },
  } as unknown as StructureSpec);
}

/** Training-split mean and population std of channel c over rows [0, trainEnd), computed here independently. */
function trainStats(c: number, trainEnd: number): { mean: number; std: number } {
  const xs = Array.from({ length: trainEnd }, (_, r) => value(r, c));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) };
}

test('CSV fields: commas, quotes and doubled quotes', () => {
  assert.deepEqual(splitCsvLine('a, "b,c" ,"say ""hi"""'), ['a', 'b,c', 'say "hi"']);
});

test('fractional split with lookback overlap, training-statistics standardisation, windows with zero placeholders', () => {
  const task = new ForecastTask(forecastSpec(write('m.csv', csv(200))), dir, new Rng(0));
  assert.deepEqual(task.data.channels, columns);
  assert.deepEqual(task.data.splits, { train: { start: 0, end: 140 }, val: { start: 132, end: 160 }, test: { start: 152, end: 200 } });
  assert.equal(task.windows('train'), 140 - 12 + 1);
  assert.equal(task.windows('val'), 28 - 12 + 1);
  const stats = columns.map((_, c) => trainStats(c, 140));
  const z = (row: number, c: number) => (value(row, c) - stats[c]!.mean) / stats[c]!.std;

  const batch = task.batch('val', [0, 5]);
  const inputs = batch.inputs.arraySync() as number[][][];
  const targets = batch.targets.arraySync() as number[][][];
  assert.deepEqual(batch.inputs.shape, [2, 12, 3]);
  assert.deepEqual(batch.targets.shape, [2, 4, 3]);
  assert.equal(batch.tokens, 24);
  [0, 5].forEach((offset, b) => {
    for (let s = 0; s < 12; s++) {
      for (let c = 0; c < 3; c++) {
        const expected = s < 8 ? z(132 + offset + s, c) : 0;
        assert.ok(Math.abs(inputs[b]![s]![c]! - expected) < 1e-5, `input ${b},${s},${c}`);
        if (s < 4) assert.ok(Math.abs(targets[b]![s]![c]! - z(140 + offset + s, c)) < 1e-5, `target ${b},${s},${c}`);
      }
    }
  });
  tf.dispose([batch.inputs, batch.targets]);
});

test('features "S" reads the target column only', () => {
  const task = new ForecastTask(forecastSpec(write('s.csv', csv(200)), { features: 'S', channels: 1 }), dir, new Rng(0));
  assert.deepEqual(task.data.channels, ['OT']);
  const b = task.batch('train', [3]);
  const { mean, std } = trainStats(2, 140);
  assert.ok(Math.abs((b.inputs.arraySync() as number[][][])[0]![0]![0]! - (value(3, 2) - mean) / std) < 1e-5);
  tf.dispose([b.inputs, b.targets]);
});

test('"ett" split: 8640 / 2880 / 2880 hourly rows, later splits start lookback rows early', () => {
  const task = new ForecastTask(forecastSpec(write('ett.csv', csv(14500)), { split: 'ett' }), dir, new Rng(0));
  assert.deepEqual(task.data.splits, {
    train: { start: 0, end: 8640 },
    val: { start: 8632, end: 11520 },
    test: { start: 11512, end: 14400 },
  });
  const err = dataError(() =>
    createTask({ spec: forecastSpec(write('short-ett.csv', csv(1000)), { split: 'ett' }), specDir: dir, rng: new Rng(0) }),
  );
  assert.match(err.message, /split "ett" needs 14400 hourly rows .* the file has 1000/);
});

/** A stand-in model that predicts zeros. */
function zeroModel(spec: ResolvedSpec): Model {
  return {
    spec,
    params: [],
    predict: (inputs) => tf.zeros([inputs.shape[0]!, 4, 3]),
    loss: () => tf.scalar(0),
    attentionLogits: () => tf.zeros([1, 1, 1, 1]),
    dispose: () => undefined,
  };
}

test('evaluate: predicting zeros scores the mean square and mean absolute standardised target, per split and for the target column', async () => {
  const spec = forecastSpec(write('eval.csv', csv(200)), {}, 4);
  const task = createTask({ spec, specDir: dir, rng: new Rng(0) });
  const metrics = await task.evaluate(zeroModel(spec), 0);
  const stats = columns.map((_, c) => trainStats(c, 140));
  const z = (row: number, c: number) => (value(row, c) - stats[c]!.mean) / stats[c]!.std;
  // The budget is evalBatches × batchSize = 8 windows: val has 17 and test 37, so 8 evenly spaced ones, ⌊i·count/8⌋.
  const expected = (start: number, count: number) => {
    const offsets = Array.from({ length: 8 }, (_, i) => Math.floor((i * count) / 8));
    let sq = 0;
    let abs = 0;
    let tsq = 0;
    for (const o of offsets) {
      for (let s = 0; s < 4; s++) {
        for (let c = 0; c < 3; c++) {
          const v = z(start + o + 8 + s, c);
          sq += v * v;
          abs += Math.abs(v);
          if (c === 2) tsq += v * v;
        }
      }
    }
    return { mse: sq / (8 * 12), mae: abs / (8 * 12), targetMse: tsq / (8 * 4) };
  };
  const val = expected(132, 17);
  const testSplit = expected(152, 37);
  const close = (a: number | undefined, b: number) => assert.ok(Math.abs(a! - b) < 1e-5, `${a} vs ${b}`);
  close(metrics['val.mse'], val.mse);
  close(metrics['val.mae'], val.mae);
  close(metrics['val.targetMse'], val.targetMse);
  close(metrics['test.mse'], testSplit.mse);
  close(metrics['test.mae'], testSplit.mae);
  close(metrics['test.targetMse'], testSplit.targetMse);
  assert.equal(metrics['val.loss'], metrics['val.mse']);
});

test('evaluation covers every window when evalBatches × batchSize allows, else evenly spaced ones', () => {
  const big = new ForecastTask(forecastSpec(write('cover.csv', csv(200)), {}, 16), dir, new Rng(0));
  assert.deepEqual(
    big.evaluationOffsets('val'),
    Array.from({ length: 17 }, (_, i) => i),
  );
  const small = new ForecastTask(forecastSpec(write('cover.csv', csv(200)), {}, 2), dir, new Rng(0));
  assert.deepEqual(small.evaluationOffsets('val'), [0, 4, 8, 12]);
});

test('data errors name the file, line and column', () => {
  const make = (name: string, content: string, task: object = {}) =>
    dataError(() => createTask({ spec: forecastSpec(write(name, content), task), specDir: dir, rng: new Rng(0) }));

  const cell = make(
    'bad-cell.csv',
    csv(200, (lines) => (lines[42] = lines[42]!.replace(/,[^,]*$/, ',n/a'))),
  );
  assert.equal(cell.line, 43);
  assert.equal(cell.column, 'OT');
  assert.match(cell.message, /bad-cell\.csv:43: column "OT" holds "n\/a", not a number/);

  const empty = make(
    'empty-cell.csv',
    csv(200, (lines) => (lines[7] = lines[7]!.replace(/,[^,]*,/, ',,'))),
  );
  assert.match(empty.message, /empty-cell\.csv:8: column "HUFL" holds an empty cell/);

  assert.match(
    make(
      'ragged.csv',
      csv(200, (lines) => (lines[3] += ',9')),
    ).message,
    /ragged\.csv:4: this row has 5 cells but the header has 4 columns/,
  );
  assert.match(make('nodate.csv', csv(200).replace(/^date/, 'time')).message, /nodate\.csv:1: the header has no "date" column/);
  assert.match(
    make('channels.csv', csv(200), { channels: 7 }).message,
    /channels\.csv:1: features "M" reads 3 channels .* task\.channels is 7; set task\.channels to 3/,
  );
  assert.match(make('target.csv', csv(200), { target: 'LULL' }).message, /task\.target "LULL" is not a numeric column/);
  // 30 rows at [0.7, 0.1, 0.2]: val = rows [21 − 8, 21 + 3) = 11 rows, one short of a window.
  assert.match(
    make('few.csv', csv(30)).message,
    /few\.csv:31: the val split has 11 rows \(rows 14…24 of 30\), fewer than lookback \+ horizon = 12/,
  );
  assert.match(
    make(
      'constant.csv',
      csv(200, (lines) => lines.forEach((l, i) => i > 0 && (lines[i] = l.replace(/,[^,]*$/, ',5')))),
    ).message,
    /column "OT" is constant over the training rows/,
  );
  assert.match(make('empty.csv', '').message, /empty\.csv: the data file is empty/);
});

const ett = dataSet('ETTh1.csv');
test('ETTh1 (96 → 96, "ett" split): the conventional 8449 / 2785 / 2785 windows', { skip: !ett && noDataSet }, () => {
  const spec = forecastSpec(ett!, { lookback: 96, horizon: 96, channels: 7, split: 'ett' });
  const task = new ForecastTask(spec, '/', new Rng(0));
  assert.equal(task.data.rows, 17420);
  assert.deepEqual(task.data.channels, ['HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT']);
  assert.deepEqual([task.windows('train'), task.windows('val'), task.windows('test')], [8449, 2785, 2785]);
});
