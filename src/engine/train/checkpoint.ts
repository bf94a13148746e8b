/**
 * Reading and writing one checkpoint folder (layout in src/protocol/run.ts: state.json, weights.bin, moments.bin).
 * Float32 values are stored as raw little-endian bytes, so a restored run continues from bit-identical weights and
 * moments. Parameters are matched by NamedParam.name, never by position, and every mismatch is reported.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointFiles, RUN_FORMAT_VERSION, type CheckpointMeta, type CheckpointTensor, type MetricPosition } from '../../protocol/run';
import type { NamedParam } from '../types';
import type { AdamWState } from './adamw';

if (os.endianness() !== 'LE') throw new Error('checkpoints are little-endian float32; this machine is big-endian');

export interface CheckpointContent {
  step: number;
  position: MetricPosition;
  backend: string;
  params: CheckpointTensor[];
  /** Every parameter's values, concatenated in `params` order. */
  weights: Float32Array;
  optimizer: AdamWState;
  task: unknown;
  pendingLosses: number[];
}

/**
 * Read the model's weights into a checkpoint's layout (asynchronously: the webgpu backend cannot read synchronously
 * under Node).
 */
export async function snapshotParams(params: readonly NamedParam[]): Promise<{ params: CheckpointTensor[]; weights: Float32Array }> {
  const tensors: CheckpointTensor[] = [];
  let offset = 0;
  for (const p of params) {
    tensors.push({ name: p.name, shape: [...p.variable.shape], offset });
    offset += p.variable.size;
  }
  const weights = new Float32Array(offset);
  const values = await Promise.all(params.map((p) => p.variable.data()));
  values.forEach((v, i) => weights.set(v as Float32Array, tensors[i].offset));
  return { params: tensors, weights };
}

/** Write a checkpoint's files into `dir` (an empty temp folder; the run folder writer makes it durable and atomic). */
export function writeCheckpointFiles(dir: string, c: CheckpointContent): void {
  const tensors = c.params;
  const weights = c.weights;
  const offset = weights.length;
  const meta: CheckpointMeta = {
    version: RUN_FORMAT_VERSION,
    step: c.step,
    position: c.position,
    backend: c.backend,
    createdAt: new Date().toISOString(),
    params: tensors,
    elements: offset,
    optimizerStep: c.optimizer.step,
    task: c.task,
    pendingLosses: c.pendingLosses,
  };
  fs.writeFileSync(path.join(dir, CheckpointFiles.weights), bytesOf(weights));
  fs.writeFileSync(path.join(dir, CheckpointFiles.moments), Buffer.concat([bytesOf(c.optimizer.m), bytesOf(c.optimizer.v)]));
  fs.writeFileSync(path.join(dir, CheckpointFiles.meta), `${JSON.stringify(meta, null, 2)}\n`);
}

export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  weights: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

export function readCheckpoint(dir: string): LoadedCheckpoint {
  const metaFile = path.join(dir, CheckpointFiles.meta);
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as CheckpointMeta;
  if (meta.version !== RUN_FORMAT_VERSION) throw new Error(`${metaFile}: checkpoint format ${String(meta.version)}, expected ${RUN_FORMAT_VERSION}`);
  const weights = floatsOf(fs.readFileSync(path.join(dir, CheckpointFiles.weights)));
  const moments = floatsOf(fs.readFileSync(path.join(dir, CheckpointFiles.moments)));
  if (weights.length !== meta.elements || moments.length !== 2 * meta.elements) {
    throw new Error(`${dir}: weights.bin holds ${weights.length} and moments.bin ${moments.length} floats; state.json says ${meta.elements} parameters (a truncated checkpoint?)`);
  }
  return { meta, weights, m: moments.subarray(0, meta.elements), v: moments.subarray(meta.elements) };
}

/**
 * Copy checkpointed weights into the model's variables, by name. The optimiser's flat moment layout follows the
 * parameter order, so the checkpoint's order must equal the model's (it does whenever the spec is unchanged).
 */
export function restoreParams(params: readonly NamedParam[], checkpoint: LoadedCheckpoint, where: string): void {
  const saved = checkpoint.meta.params;
  const problems: string[] = [];
  if (saved.length !== params.length) problems.push(`the checkpoint has ${saved.length} tensors, the model ${params.length}`);
  params.forEach((p, i) => {
    const s = saved[i];
    if (!s) return;
    if (s.name !== p.name) problems.push(`tensor ${i} is "${s.name}" in the checkpoint but "${p.name}" in the model`);
    else if (s.shape.join('×') !== p.variable.shape.join('×')) problems.push(`"${p.name}" has shape [${s.shape}] in the checkpoint but [${p.variable.shape}] in the model`);
  });
  if (problems.length) {
    throw new Error(`${where} does not match the model built from spec.json: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`);
  }
  tf.tidy(() => {
    params.forEach((p, i) => {
      const { offset } = saved[i];
      p.variable.assign(tf.tensor(checkpoint.weights.subarray(offset, offset + p.variable.size), p.variable.shape, 'float32'));
    });
  });
}

function bytesOf(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function floatsOf(b: Buffer): Float32Array {
  // Copy into a fresh, aligned buffer: a Buffer may sit at any offset of a shared pool.
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}
