/**
 * The safetensors file format (https://huggingface.co/docs/safetensors), float32 only, as checkpoints store weights
 * and optimiser moments: written here and by the PyTorch runtime (src/pytorch/mlbtc_torch/checkpoint.py) without the
 * safetensors package, and readable by `safetensors.torch.load_file`.
 *
 *   8 bytes   N, the header length, unsigned little-endian
 *   N bytes   JSON header: {"<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
 *             "__metadata__": {string: string}}, padded with spaces so that the data starts 8-byte aligned
 *   the data  every tensor's bytes, little-endian, offsets relative to the start of the data, in header order,
 *             back to back (the reference reader rejects gaps and overlaps)
 *
 * Pure: Uint8Array in and out, no fs, so both runtimes' tests and readers share it.
 */

export interface NamedFloats {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsContent {
  /** In file order. */
  tensors: NamedFloats[];
  metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';
/** The reference reader refuses larger headers (a guard against reading garbage as a length). */
const MAX_HEADER_BYTES = 100_000_000;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('safetensors are little-endian; this machine is big-endian');

export function encodeSafetensors(tensors: readonly NamedFloats[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const t of tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== expected) throw new Error(`safetensors: "${t.name}" has ${t.data.length} values for shape [${t.shape}]`);
    if (t.name === METADATA_KEY || t.name in header) throw new Error(`safetensors: tensor name "${t.name}" is reserved or repeated`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padded - json.length));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** Parse a safetensors file of F32 tensors. `file` names it in errors. The tensors are copies (aligned, owned). */
export function decodeSafetensors(bytes: Uint8Array, file: string): SafetensorsContent {
  if (bytes.length < 8) throw new Error(`${file}: ${bytes.length} bytes, too short for a safetensors file`);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) {
    throw new Error(`${file}: header length ${headerLength} does not fit the file's ${bytes.length} bytes (not safetensors, or truncated)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: the header is not JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata = (header[METADATA_KEY] ?? {}) as Record<string, string>;
  const tensors: NamedFloats[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (dtype !== 'F32') throw new Error(`${file}: "${name}" has dtype ${JSON.stringify(dtype)}; checkpoints hold F32 only`);
    if (!Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2) {
      throw new Error(`${file}: "${name}" lacks a shape or data_offsets`);
    }
    const [begin, end] = offsets as number[];
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    if (!(begin >= 0 && end <= dataLength && end - begin === elements * 4)) {
      const needed = `shape [${shape}] needs ${elements * 4}`;
      throw new Error(`${file}: "${name}" spans bytes [${begin}, ${end}) of ${dataLength}, but ${needed} (truncated?)`);
    }
    const data = new Float32Array(elements);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.push({ name, shape: shape as number[], data });
  }
  return { tensors, metadata };
}
