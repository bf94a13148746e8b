/** The paint log line: what the extension writes to "MLBTC Panels" is what the e2e tests and the host bench read. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paintLogLine, parsePaintLogLine, type PaintRecord } from '../../src/extension/panels/perf';

describe('paint log lines', () => {
  it('read back the paint they were written from, behind the log prefix, with whole milliseconds', () => {
    const paint: PaintRecord = {
      panel: 'tradeoffs',
      first: true,
      sinceOpenMs: 1359.4,
      sinceLoadMs: 1210.2,
      scriptStartMs: 1064.3,
      renderMs: 21.25,
      content: '40 points (22 files, 18 candidates, 0 runs), 9 on the front: 0 skipped',
    };
    const line = `2026-11-22 17:00:00.123 [info] ${paintLogLine(paint)}`;
    assert.deepEqual(parsePaintLogLine(line), { ...paint, sinceOpenMs: 1359, sinceLoadMs: 1210, scriptStartMs: 1064, renderMs: 21.3 });
    assert.equal(parsePaintLogLine(line.replace('first paint', 'repaint'))?.first, false);
  });

  it('ignores other lines', () => {
    assert.equal(parsePaintLogLine('2026-11-22 17:00:00.123 [error] [diagram panel] handling "export" failed'), undefined);
  });
});
