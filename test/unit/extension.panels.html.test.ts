import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, panelHtml } from '../../src/extension/panels/html';
import { exportBytes, safeFileName } from '../../src/extension/panels/exportRequest';
import type { ExportRequest } from '../../src/protocol/webview';

const source = 'https://file+.vscode-resource.vscode-cdn.net';

test('the panel CSP allows only the nonce script and extension resources: no inline code or styles, no eval', () => {
  const csp = contentSecurityPolicy(source, 'abc123');
  const directives = Object.fromEntries(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k, v]),
  );
  assert.deepEqual(directives['default-src'], ["'none'"]);
  assert.deepEqual(directives['script-src'], ["'nonce-abc123'"]);
  assert.deepEqual(directives['style-src'], [source]);
  assert.deepEqual(directives['img-src'], [source, 'data:', 'blob:']);
  assert.deepEqual(directives['font-src'], [source]);
  assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
});

test('the HTML loads exactly one script, by nonce, and has no inline script or style', () => {
  const html = panelHtml({
    cspSource: source,
    nonce: 'n0nce',
    scriptUri: `${source}/dist/webview/diagram.js`,
    title: 'Diagram: <a>.mlbtc.json',
  });
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0][1], /nonce="n0nce"/);
  assert.match(scripts[0][1], /src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/dist\/webview\/diagram\.js"/);
  assert.equal(scripts[0][2].trim(), '', 'no inline code');
  assert.doesNotMatch(html, /<style|style="/);
  assert.match(html, /<title>Diagram: &#60;a&#62;\.mlbtc\.json<\/title>/, 'title escaped');
});

const request = (r: Partial<ExportRequest>): ExportRequest => ({
  type: 'export',
  requestId: 1,
  format: 'svg',
  suggestedName: 'x.svg',
  data: '<svg/>',
  encoding: 'utf8',
  ...r,
});

test('export payloads decode per format; malformed ones are refused with the reason', () => {
  assert.deepEqual([...(exportBytes(request({})) as Uint8Array)], [...Buffer.from('<svg/>')]);
  assert.deepEqual(
    [...(exportBytes(request({ format: 'png', encoding: 'base64', data: 'iVBORw==' })) as Uint8Array)],
    [0x89, 0x50, 0x4e, 0x47],
  );
  assert.equal(exportBytes(request({ format: 'png', encoding: 'utf8' })), 'a png export must be base64-encoded, got utf8');
  assert.match(exportBytes(request({ format: 'pdf' as never })) as string, /unknown export format "pdf" \(expected png, svg or csv\)/);
});

test('suggested file names lose any folder part and get the right extension', () => {
  assert.equal(safeFileName('../../etc/passwd', 'csv'), 'passwd.csv');
  assert.equal(safeFileName('C:\\x\\y.svg', 'svg'), 'y.svg');
  assert.equal(safeFileName('a:b?.png', 'png'), 'a_b_.png');
  assert.equal(safeFileName('', 'png'), 'export.png');
});
