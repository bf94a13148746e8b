import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvCell, toCsv } from '../../src/core/csv';

test('CSV quotes what needs quoting, writes non-finite numbers as pandas reads them, leaves missing values empty', () => {
  const csv = toCsv(
    ['name', 'loss', 'note'],
    [
      ['run "a", 1', 0.5, 'line\nbreak'],
      ['b', Number.NaN, null],
      ['c', 1e-9, undefined],
      ['d', Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
    ],
  );
  assert.equal(csv, 'name,loss,note\r\n"run ""a"", 1",0.5,"line\nbreak"\r\nb,nan,\r\nc,1e-9,\r\nd,inf,-inf\r\n');
});

test('CSV text that a spreadsheet would run as a formula is defused; negative numbers stay numbers', () => {
  assert.equal(csvCell('=cmd|"/c calc"!A1'), `"'=cmd|""/c calc""!A1"`);
  for (const start of ['+', '-', '@', '\t']) assert.equal(csvCell(`${start}x`), `'${start}x`);
  assert.equal(csvCell('\rx'), `"'\rx"`);
  assert.equal(csvCell(-1.5), '-1.5');
  assert.equal(csvCell('a=b'), 'a=b');
});
