/**
 * The real data sets (ETTh1.csv, tinyshakespeare.txt) are not part of the repository: the machine provides them in
 * the folder MLBTC_DATA_DIR names (.ci/run sets it where CI has them). Tests that need one skip when it is absent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The data set's path, or undefined when MLBTC_DATA_DIR is unset or lacks it. */
export function dataSet(name: 'ETTh1.csv' | 'tinyshakespeare.txt'): string | undefined {
  const dir = process.env.MLBTC_DATA_DIR;
  const file = dir ? path.join(dir, name) : undefined;
  return file && fs.existsSync(file) ? file : undefined;
}

export const noDataSet = 'the data set is absent (set MLBTC_DATA_DIR to the folder that holds it)';
