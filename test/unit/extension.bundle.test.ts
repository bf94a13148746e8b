import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as esbuild from 'esbuild';

const root = path.resolve(__dirname, '../..');

describe('the extension host bundle', () => {
  it('contains no tfjs and nothing native: activation must stay cheap', async () => {
    // Bundle the entry as scripts/build.mjs does, but in memory and with nothing external except vscode, so any
    // import path that reaches tfjs (even an optional native one) shows up among the inputs.
    const result = await esbuild.build({
      entryPoints: [path.join(root, 'src/extension/extension.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['vscode'],
      write: false,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: root,
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(
      inputs.some((i) => i.startsWith('src/extension/')),
      'sanity: the extension itself is an input',
    );
    // Engine modules without tfjs (the run-folder format the run store reads) are fine; tfjs itself is not.
    assert.deepEqual(
      inputs.filter((i) => /@tensorflow|node_modules\/webgpu/.test(i)),
      [],
    );
    const text = result.outputFiles[0]!.text;
    assert.ok(!text.includes('@tensorflow'), 'no reference to a tfjs package, not even a lazy require');
  });
});
