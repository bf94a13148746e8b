/** training.runtime, device and precision: defaults, the device form, and what the tfjs runtime ignores. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateText } from '../../src/core/validate';

const base = {
  name: 'x',
  task: { kind: 'icl-regression', inputDim: 8 },
  model: { width: 32, heads: 2, layers: 1, seqLen: 32 },
  attention: { kind: 'dense' },
};
const check = (training: Record<string, unknown>) => validateText(JSON.stringify({ ...base, training }));
const problems = (training: Record<string, unknown>) =>
  check(training).problems.map((p) => `${p.severity} ${p.code} ${p.path.join('.')}: ${p.message}`);

describe('training.runtime, device and precision', () => {
  it('default to auto, auto and fp32', () => {
    const t = check({}).spec!.training;
    assert.deepEqual([t.runtime, t.device, t.precision], ['auto', 'auto', 'fp32']);
  });

  it('accept every device form with the torch runtime, quietly', () => {
    for (const device of ['auto', 'cuda', 'cuda:0', 'cuda:12', 'mps', 'cpu'])
      assert.deepEqual(problems({ runtime: 'torch', device, precision: 'bf16' }), [], device);
  });

  it('reject a device that is none of them, saying what is allowed', () => {
    assert.deepEqual(problems({ device: 'gpu' }), [
      'error enum training.device: training.device "gpu" is not one of "auto", "cuda", "cuda:N", "mps", "cpu"',
    ]);
    assert.match(
      problems({ device: 'cuda:first' })[0]!,
      /^error enum training\.device: training\.device "cuda:first" is not a device: use "cuda:N"/,
    );
    assert.deepEqual(problems({ device: 0 }), [
      'error type training.device: training.device must be "auto", "cuda", "cuda:N", "mps" or "cpu" (got 0)',
    ]);
    assert.equal(check({ device: 'gpu' }).spec, undefined);
    assert.match(problems({ runtime: 'jax' })[0]!, /^error enum training\.runtime: /);
  });

  it('warn that runtime tfjs ignores a forced non-cpu device and bf16', () => {
    assert.deepEqual(problems({ runtime: 'tfjs', device: 'cpu' }), []);
    assert.deepEqual(problems({ runtime: 'tfjs', device: 'cuda:1', precision: 'bf16' }), [
      'warning option-ignored training.device: training.device "cuda:1" is a PyTorch device, and training.runtime "tfjs" ignores it: tfjs picks its device through training.backend',
      'warning option-ignored training.precision: training.precision "bf16" is only read by the torch runtime; training.runtime "tfjs" always trains in float32',
    ]);
    assert.deepEqual(problems({ runtime: 'auto', device: 'cuda' }), [], 'auto may train with torch');
  });
});
