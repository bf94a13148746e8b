/**
 * Output that cannot be turned against its reader: CSV cells that spreadsheets would run as formulas are written as
 * text (run export and the webviews' CSV alike), terminal output carries no escape sequences from spec names,
 * counts past 2^53 are marked approximate, mlbtc.runsDirectory is not taken from an untrusted workspace, and the
 * trade-offs panel opens only plotted files.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { csvCell, toCsv } from '../../src/core/csv';
import { exportCsv } from '../../src/runs/csv';
import { exactCount, terminalText } from '../../src/core/format';
import { mlbtc } from './cli.harness';
import { plottedFiles } from '../../src/extension/panels/tradeoffs/points';
import type { TradeoffPoint } from '../../src/protocol/webview';
import { repoRoot, tempDir } from './runs.helpers';

describe('hardened output', () => {
  it('writes formula-like CSV text cells as text, numbers as numbers', () => {
    for (const bad of ['=1+1', '+cmd', '-2+3', '@SUM(A1)', '\tx', '\rx'])
      assert.ok(csvCell(bad).replace(/^"/, '').startsWith("'"), JSON.stringify(bad));
    assert.equal(csvCell('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
    assert.equal(csvCell(-0.5), '-0.5');
    assert.equal(csvCell(-Infinity), '-inf');
    assert.equal(csvCell('val.loss'), 'val.loss');
    assert.equal(toCsv(['run'], [['=evil'], [-1]]), "run\r\n'=evil\r\n-1\r\n");
    const dir = tempDir('csv');
    const file = path.join(dir, 'metrics.jsonl');
    fs.writeFileSync(file, `${JSON.stringify({ kind: 'eval', step: 1, tokens: 1, flops: 1, wallMs: 1, '=cmd|calc': 2 })}\n`);
    let text = '';
    exportCsv(file, (t) => (text += t));
    assert.match(text.split('\r\n')[0]!, /,'=cmd\|calc$/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('strips escape sequences and control characters from terminal output', () => {
    assert.equal(
      terminalText('a\x1b]8;;http://x\x07link\x1b]8;;\x07 \x1b[31mred\x1b[0m \x1b]0;title\x1b\\ ok\r\n\x07\x9b2J\x00'),
      'alink red  ok\r\n',
    );
    const dir = tempDir('ansi');
    const spec = JSON.parse(fs.readFileSync(path.join(repoRoot, 'examples', 'icl-dense.mlbtc.json'), 'utf8'));
    spec.name = 'x\x1b]0;pwned\x07\x1b[2Jy';
    fs.writeFileSync(path.join(dir, 'evil.mlbtc.json'), JSON.stringify(spec));
    const r = mlbtc(['analyze', 'evil.mlbtc.json'], dir);
    const out = r.stdout + r.stderr;
    assert.ok(out.includes('xy'), out);
    assert.doesNotMatch(out, /[\x1b\x07]/); // eslint-disable-line no-control-regex -- no escape may survive
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('marks counts past 2^53 as approximate', () => {
    assert.equal(exactCount(2 ** 53), '≈9,007,199,254,740,992');
    assert.equal(exactCount(Number.MAX_SAFE_INTEGER), '9,007,199,254,740,991');
  });

  it('restricts mlbtc.runsDirectory in untrusted workspaces', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('mlbtc.runsDirectory'));
  });

  it('lets the trade-offs webview open only plotted files', () => {
    const point = (uri?: string) => ({ id: 'p', label: 'p', source: 'file', ...(uri ? { uri } : {}) }) as TradeoffPoint;
    const files = plottedFiles([point('file:///w/a.mlbtc.json'), point()]);
    assert.ok(files.has('file:///w/a.mlbtc.json'));
    assert.ok(!files.has('file:///etc/passwd'));
    assert.equal(files.size, 1);
  });
});
