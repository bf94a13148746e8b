/**
 * Optional native backends installed outside this checkout (an installed extension ships none): the worker finds
 * them in the folders MLBTC_BACKEND_PACKAGES names, and a forced backend that is installed nowhere says where it
 * looked. The "tfjs-node" here is a stand-in package (test/fixtures/standInTfjsNode.ts) in a temp folder.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, startBackend } from '../../src/engine/backend';
import { backendPackageFolders, resolveOptionalPackage } from '../../src/engine/optionalPackages';
import { BACKEND_PACKAGES_ENV } from '../../src/protocol/worker';
import { writeStandInTfjsNode } from '../fixtures/standInTfjsNode';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbtc-backend-packages-'));
const entry = writeStandInTfjsNode(folder);
const saved = process.env[BACKEND_PACKAGES_ENV];
after(() => {
  if (saved === undefined) delete process.env[BACKEND_PACKAGES_ENV];
  else process.env[BACKEND_PACKAGES_ENV] = saved;
  fs.rmSync(folder, { recursive: true, force: true });
});

describe('optional backends in a folder of their own', () => {
  it('reads the folders from MLBTC_BACKEND_PACKAGES, path-delimiter separated', () => {
    assert.deepEqual(backendPackageFolders({ [BACKEND_PACKAGES_ENV]: ['/a', '', '/b c'].join(path.delimiter) }), ['/a', '/b c']);
    assert.deepEqual(backendPackageFolders({}), []);
  });

  it('resolves a package from a named folder, and from nowhere else when it is not installed', () => {
    assert.equal(resolveOptionalPackage('@tensorflow/tfjs-node', []), undefined, 'sanity: the real package is not installed here');
    assert.equal(resolveOptionalPackage('@tensorflow/tfjs-node', ['/nonexistent', folder]), entry);
  });

  it('a forced "tensorflow" backend that is installed nowhere says where the worker looked', async () => {
    delete process.env[BACKEND_PACKAGES_ENV];
    await assert.rejects(startBackend('tensorflow'), (e: unknown) => {
      assert.ok(e instanceof BackendUnavailableError);
      assert.match(e.message, /@tensorflow\/tfjs-node is not installed in this installation's node_modules \(set MLBTC_BACKEND_PACKAGES/);
      return true;
    });
  });

  it('starts the "tensorflow" backend from the package in MLBTC_BACKEND_PACKAGES, and computes with it', async () => {
    process.env[BACKEND_PACKAGES_ENV] = folder;
    const started = await startBackend('tensorflow');
    assert.deepEqual(started, { name: 'tensorflow', description: 'tensorflow (@tensorflow/tfjs-node)' });
    assert.equal((globalThis as { mlbtcStandInLoaded?: number }).mlbtcStandInLoaded, 1);
    assert.equal(tf.getBackend(), 'tensorflow');
    const y = await tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).data();
    assert.deepEqual(Array.from(y), [19, 22, 43, 50]);
  });
});
