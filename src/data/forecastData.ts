/**
 * The table of a forecast task: the CSV read (with the data-path rules of dataError.ts) and checked, its channels
 * picked, split and standardised with training statistics. No tensors: the CLI and the editor check data with it
 * before any run starts, and the tfjs task (src/engine/tasks/forecast.ts) trains on what it returns.
 */
import type { ResolvedTask } from '../core/spec/resolve';
import { parseNumericCsv } from './csv';
import { DataError, decodeUtf8, readDataFile } from './dataError';

export type ForecastSpec = Extract<ResolvedTask, { kind: 'forecast' }>;

/** The ETT split in hourly rows: 12, 4 and 4 thirty-day months. */
const ETT_MONTH = 30 * 24;
export const ETT_BORDERS = { train: 12 * ETT_MONTH, val: 16 * ETT_MONTH, test: 20 * ETT_MONTH };

export type SplitName = 'train' | 'val' | 'test';

/** Rows [start, end) of a split, lookback overlap included. */
export interface SplitRange {
  start: number;
  end: number;
}

export function splitRanges(split: ForecastSpec['split'], rows: number, lookback: number): Record<SplitName, SplitRange> {
  const [trainEnd, valEnd, testEnd] =
    split === 'ett'
      ? [ETT_BORDERS.train, ETT_BORDERS.val, ETT_BORDERS.test]
      : (() => {
          const train = Math.floor(rows * split[0]);
          const val = Math.floor(rows * split[1]);
          return [train, train + val, train + val + Math.floor(rows * split[2])];
        })();
  return {
    train: { start: 0, end: trainEnd },
    val: { start: Math.max(0, trainEnd - lookback), end: valEnd },
    test: { start: Math.max(0, valEnd - lookback), end: testEnd },
  };
}

export interface ForecastData {
  file: string;
  /** Channel names, model order. */
  channels: string[];
  /** Index of the target column among the channels. */
  targetChannel: number;
  /** Standardised values, row-major (rows × channels). */
  values: Float32Array;
  rows: number;
  splits: Record<SplitName, SplitRange>;
}

export function loadForecastData(specDir: string, task: ForecastSpec): ForecastData {
  const { file, bytes } = readDataFile(
    specDir,
    task.data,
    'forecast',
    `a CSV with a "${task.dateColumn}" column and numeric channels (ETT format)`,
  );
  const table = parseNumericCsv(file, decodeUtf8(file, bytes), task.dateColumn);
  const lastLine = table.rowLines[table.rowLines.length - 1] ?? 1;
  const targetIndex = table.columns.indexOf(task.target);
  if (targetIndex < 0) {
    throw new DataError(
      file,
      1,
      `task.target "${task.target}" is not a numeric column; the numeric columns are ${table.columns.map((c) => `"${c}"`).join(', ')}.`,
    );
  }
  const picked = task.features === 'S' ? [targetIndex] : table.columns.map((_, i) => i);
  if (picked.length !== task.channels) {
    throw new DataError(
      file,
      1,
      `features "${task.features}" reads ${picked.length} channel${picked.length === 1 ? '' : 's'} from this file, but task.channels is ${task.channels}; set task.channels to ${picked.length}.`,
    );
  }
  const rows = table.rows.length;
  const needed = task.lookback + task.horizon;
  if (task.split === 'ett' && rows < ETT_BORDERS.test) {
    throw new DataError(
      file,
      lastLine,
      `split "ett" needs ${ETT_BORDERS.test} hourly rows (12/4/4 months); the file has ${rows}. Give task.split as fractions, e.g. [0.7, 0.1, 0.2].`,
    );
  }
  const splits = splitRanges(task.split, rows, task.lookback);
  for (const name of ['train', 'val', 'test'] as const) {
    const { start, end } = splits[name];
    if (end - start < needed) {
      throw new DataError(
        file,
        lastLine,
        `the ${name} split has ${end - start} rows (rows ${start + 1}…${end} of ${rows}), fewer than lookback + horizon = ${needed}; use more data, other split fractions, or a shorter lookback/horizon.`,
      );
    }
  }
  const channels = picked.map((i) => table.columns[i]!);
  const c = picked.length;
  const mean = new Float64Array(c);
  const std = new Float64Array(c);
  const train = splits.train;
  picked.forEach((col, k) => {
    let sum = 0;
    for (let r = train.start; r < train.end; r++) sum += table.rows[r]![col]!;
    mean[k] = sum / (train.end - train.start);
    let sq = 0;
    for (let r = train.start; r < train.end; r++) sq += (table.rows[r]![col]! - mean[k]!) ** 2;
    std[k] = Math.sqrt(sq / (train.end - train.start));
    if (!(std[k]! > 0))
      throw new DataError(
        file,
        undefined,
        `column "${channels[k]}" is constant over the training rows, so it cannot be standardised; drop it or use features "S".`,
        channels[k],
      );
  });
  const values = new Float32Array(rows * c);
  for (let r = 0; r < rows; r++) picked.forEach((col, k) => (values[r * c + k] = (table.rows[r]![col]! - mean[k]!) / std[k]!));
  return { file, channels, targetChannel: channels.indexOf(task.target), values, rows, splits };
}
