/**
 * Backend selection: "auto" starts something that computes here, a forced backend is used as asked, and a forced
 * backend that cannot start is an error that says why (never a silent fallback).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { AUTO_ORDER, BackendUnavailableError, startBackend } from '../../src/engine/backend';

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** A small computation whose answer is known: the backend does real work. */
function check(): void {
  const y = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).dataSync());
  assert.deepEqual(Array.from(y), [19, 22, 43, 50]);
}

describe('backend selection', () => {
  it('"auto" starts the first backend of the order that works here, and logs why it skipped the others', async () => {
    const skipped: string[] = [];
    const started = await startBackend('auto', (line) => skipped.push(line));
    assert.ok(AUTO_ORDER.includes(started.name));
    assert.equal(tf.getBackend(), started.name === 'tensorflow' ? 'tensorflow' : started.name);
    const before = AUTO_ORDER.slice(0, AUTO_ORDER.indexOf(started.name));
    assert.deepEqual(
      skipped.map((l) => /^backend (\w+) skipped: .+/.exec(l)?.[1]),
      before,
      `log lines: ${skipped.join(' | ')}`,
    );
    check();
  });

  it('uses a forced backend exactly', async () => {
    const started = await startBackend('cpu');
    assert.deepEqual(started, { name: 'cpu', description: 'cpu (JavaScript)' });
    assert.equal(tf.getBackend(), 'cpu');
    check();
    const wasm = await startBackend('wasm');
    assert.match(wasm.description, /^wasm \((SIMD|no SIMD), 1 thread\)$/);
    assert.equal(tf.getBackend(), 'wasm');
    check();
  });

  it(
    'refuses a forced backend that cannot start, saying why and what to do',
    { skip: installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu') ? 'tfjs-node is installed here' : false },
    async () => {
      const backendBefore = tf.getBackend();
      await assert.rejects(startBackend('tensorflow'), (e: unknown) => {
        assert.ok(e instanceof BackendUnavailableError);
        assert.equal(e.backend, 'tensorflow');
        assert.match(
          e.message,
          /^training\.backend "tensorflow" cannot start: @tensorflow\/tfjs-node-gpu is not installed; @tensorflow\/tfjs-node is not installed/,
        );
        assert.match(e.message, /Use "auto"/);
        return true;
      });
      assert.equal(tf.getBackend(), backendBefore, 'a failed start leaves the current backend in place');
    },
  );
});
