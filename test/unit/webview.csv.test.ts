import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCsv } from '../../webview/shared/csv';

test('CSV quotes what needs quoting and leaves missing values empty', () => {
  const csv = toCsv(['name', 'loss', 'note'], [
    ['run "a", 1', 0.5, 'line\nbreak'],
    ['b', Number.NaN, null],
    ['c', 1e-9, undefined],
  ]);
  assert.equal(csv, 'name,loss,note\r\n"run ""a"", 1",0.5,"line\nbreak"\r\nb,,\r\nc,1e-9,\r\n');
});
