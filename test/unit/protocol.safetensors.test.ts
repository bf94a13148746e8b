/**
 * The hand-written safetensors codec of checkpoints: the layout the format prescribes (length, space-padded JSON
 * header, back-to-back data), round trips, and clear errors for files that are not F32 safetensors or are cut short.
 * That the safetensors package reads our files is tested from Python (test/python/test_checkpoint.py) and
 * test/unit/runtime.crossRun.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSafetensors, encodeSafetensors } from '../../src/protocol/safetensors';

const tensors = [
  { name: 'h.0.attn.wq', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -0]) },
  { name: 'ln.gain', shape: [1], data: Float32Array.from([Math.PI]) },
];

describe('safetensors', () => {
  it('writes the length, a space-padded JSON header and the data back to back', () => {
    const bytes = encodeSafetensors(tensors, { format: 'pt' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(n % 8, 0, 'the data starts 8-byte aligned');
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    assert.match(header, /^\{.*\} *$/);
    assert.deepEqual(JSON.parse(header), {
      __metadata__: { format: 'pt' },
      'h.0.attn.wq': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
      'ln.gain': { dtype: 'F32', shape: [1], data_offsets: [24, 28] },
    });
    assert.equal(bytes.length, 8 + n + 28);
    assert.equal(new DataView(bytes.buffer).getFloat32(8 + n + 8, true), 3.5, 'little-endian float32 data');
  });

  it('reads back exactly what it wrote, in file order', () => {
    const back = decodeSafetensors(encodeSafetensors(tensors, { step: '7' }), 'x.safetensors');
    assert.deepEqual(back.metadata, { step: '7' });
    assert.deepEqual(back.tensors, tensors);
  });

  it('names the file and the tensor when it cannot read one', () => {
    const bytes = encodeSafetensors(tensors);
    const cut = bytes.subarray(0, bytes.length - 4);
    assert.throws(() => decodeSafetensors(cut, 'cut.safetensors'), /^Error: cut\.safetensors: "ln\.gain" spans bytes \[24, 28\) of 24/);
    assert.throws(() => decodeSafetensors(bytes.subarray(0, 5), 'tiny.safetensors'), /tiny\.safetensors: 5 bytes/);
    const f16 = new TextEncoder().encode(JSON.stringify({ w: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }));
    const file = new Uint8Array(8 + f16.length + 2);
    new DataView(file.buffer).setBigUint64(0, BigInt(f16.length), true);
    file.set(f16, 8);
    assert.throws(() => decodeSafetensors(file, 'half.safetensors'), /half\.safetensors: "w" has dtype "F16"; checkpoints hold F32 only/);
    assert.throws(() => encodeSafetensors([{ name: 'w', shape: [3], data: new Float32Array(2) }]), /"w" has 2 values for shape \[3\]/);
  });
});
