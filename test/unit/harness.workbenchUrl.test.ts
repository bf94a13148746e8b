// The workbench URL must survive the browser's and the workbench's decoding: parse it back the way
// they do and compare with the paths that went in.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { remoteUri, workbenchUrl } from '../../scripts/harness/workbench-url';

const origin = 'http://127.0.0.1:40123';

describe('workbenchUrl', () => {
  it('carries the folder and the development paths as vscode-remote URIs on the server', () => {
    const url = new URL(
      workbenchUrl(origin, {
        folder: '/tmp/ws one',
        extensionDevelopmentPath: '/work/a b',
        extensionTestsPath: '/work/a b/out/test/index.js',
      }),
    );
    assert.equal(url.origin, origin);
    assert.equal(url.searchParams.get('folder'), '/tmp/ws one');
    const payload = JSON.parse(url.searchParams.get('payload')!) as [string, string][];
    assert.deepEqual(
      payload.map(([name, value]) => [name, new URL(value).protocol, new URL(value).host, decodeURIComponent(new URL(value).pathname)]),
      [
        ['extensionDevelopmentPath', 'vscode-remote:', '127.0.0.1:40123', '/work/a b'],
        ['extensionTestsPath', 'vscode-remote:', '127.0.0.1:40123', '/work/a b/out/test/index.js'],
      ],
    );
  });

  it('has no payload without development paths, and no query without a folder', () => {
    assert.equal(new URL(workbenchUrl(origin, { folder: '/w' })).searchParams.has('payload'), false);
    assert.equal(workbenchUrl(origin, {}), `${origin}/`);
  });

  it('percent-encodes each path segment and refuses relative paths', () => {
    assert.equal(remoteUri(origin, '/a b/c#d'), 'vscode-remote://127.0.0.1:40123/a%20b/c%23d');
    assert.throws(() => remoteUri(origin, 'relative/path'), /absolute path/);
  });
});
