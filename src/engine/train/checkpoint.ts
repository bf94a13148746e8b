/**
 * Reading and writing one checkpoint folder (layout in src/protocol/run.ts: state.json, model.safetensors,
 * optimizer.safetensors), the format the PyTorch runtime shares (src/pytorch/mlbtc_torch/checkpoint.py). Float32
 * values are stored as raw little-endian bytes, so a restored run continues from bit-identical weights and moments.
 * Tensors are matched by NamedParam.name, never by position, and every mismatch is reported.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CHECKPOINT_FORMAT_VERSION, CheckpointFiles, momentKey, type CheckpointMeta, type MetricPosition } from '../../protocol/run';
import { decodeSafetensors, encodeSafetensors, type NamedFloats } from '../../protocol/safetensors';
import type { NamedParam } from '../types';
import type { AdamWState } from './adamw';

export interface CheckpointContent {
  step: number;
  position: MetricPosition;
  runtime: string;
  /** Every parameter's values, in model order. */
  params: NamedFloats[];
  /** Flat moments in the order of `params` (AdamW's layout). */
  optimizer: AdamWState;
  task: unknown;
  pendingLosses: number[];
}

/** Copies of the model's weights (read asynchronously: the webgpu backend cannot read synchronously under Node). */
export async function snapshotParams(params: readonly NamedParam[]): Promise<NamedFloats[]> {
  const values = await Promise.all(params.map((p) => p.variable.data()));
  return params.map((p, i) => ({ name: p.name, shape: [...p.variable.shape], data: (values[i] as Float32Array).slice() }));
}

/** Write a checkpoint's files into `dir` (an empty temp folder; the run folder writer makes it durable and atomic). */
export function writeCheckpointFiles(dir: string, c: CheckpointContent): void {
  const meta: CheckpointMeta = {
    version: CHECKPOINT_FORMAT_VERSION,
    step: c.step,
    position: c.position,
    runtime: c.runtime,
    createdAt: new Date().toISOString(),
    params: c.params.map((p) => ({ name: p.name, shape: p.shape })),
    optimizerStep: c.optimizer.step,
    task: c.task,
    pendingLosses: c.pendingLosses,
  };
  const moments: NamedFloats[] = [];
  let offset = 0;
  for (const p of c.params) {
    const end = offset + p.data.length;
    moments.push({ name: momentKey('m', p.name), shape: p.shape, data: c.optimizer.m.subarray(offset, end) });
    moments.push({ name: momentKey('v', p.name), shape: p.shape, data: c.optimizer.v.subarray(offset, end) });
    offset = end;
  }
  const metadata = { format: 'pt', step: String(c.step) };
  fs.writeFileSync(path.join(dir, CheckpointFiles.model), encodeSafetensors(c.params, metadata));
  fs.writeFileSync(path.join(dir, CheckpointFiles.optimizer), encodeSafetensors(moments, metadata));
  fs.writeFileSync(path.join(dir, CheckpointFiles.meta), `${JSON.stringify(meta, null, 2)}\n`);
}

export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  /** Weights and moments by tensor name (moments under momentKey). */
  weights: Map<string, NamedFloats>;
  moments: Map<string, NamedFloats>;
}

export function readCheckpoint(dir: string): LoadedCheckpoint {
  const metaFile = path.join(dir, CheckpointFiles.meta);
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as CheckpointMeta;
  if (meta.version !== CHECKPOINT_FORMAT_VERSION) {
    const expected = `this version reads format ${CHECKPOINT_FORMAT_VERSION} (start the run again)`;
    throw new Error(`${metaFile}: checkpoint format ${String(meta.version)}; ${expected}`);
  }
  const tensors = (file: string) => {
    const where = path.join(dir, file);
    return new Map(decodeSafetensors(fs.readFileSync(where), where).tensors.map((t) => [t.name, t]));
  };
  return { meta, weights: tensors(CheckpointFiles.model), moments: tensors(CheckpointFiles.optimizer) };
}

/**
 * The checkpoint's tensors for the model's parameters, by name, in the model's order: weights, then the flat AdamW
 * moments. Throws naming `where` and up to five mismatches (missing, extra or reshaped tensors).
 */
function matchParams(
  params: readonly NamedParam[],
  checkpoint: LoadedCheckpoint,
  where: string,
): { weights: NamedFloats[]; m: NamedFloats[]; v: NamedFloats[] } {
  const problems: string[] = [];
  const lookup = (map: Map<string, NamedFloats>, key: string, p: NamedParam, file: string): NamedFloats => {
    const t = map.get(key);
    if (!t) problems.push(`${file} lacks "${key}"`);
    else if (t.shape.join('×') !== p.variable.shape.join('×')) {
      problems.push(`"${key}" has shape [${t.shape}] in ${file} but [${p.variable.shape}] in the model`);
    }
    return t!;
  };
  const weights = params.map((p) => lookup(checkpoint.weights, p.name, p, CheckpointFiles.model));
  const m = params.map((p) => lookup(checkpoint.moments, momentKey('m', p.name), p, CheckpointFiles.optimizer));
  const v = params.map((p) => lookup(checkpoint.moments, momentKey('v', p.name), p, CheckpointFiles.optimizer));
  const known = new Set(params.map((p) => p.name));
  for (const name of checkpoint.weights.keys()) {
    if (!known.has(name)) problems.push(`${CheckpointFiles.model} has "${name}", which the model lacks`);
  }
  if (problems.length) {
    const listed = `${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`;
    throw new Error(`${where} does not match the model built from spec.json: ${listed}`);
  }
  return { weights, m, v };
}

/** Copy checkpointed weights into the model's variables and return AdamW's state in the model's parameter order. */
export function restoreParams(params: readonly NamedParam[], checkpoint: LoadedCheckpoint, where: string): AdamWState {
  const { weights, m, v } = matchParams(params, checkpoint, where);
  tf.tidy(() => {
    params.forEach((p, i) => p.variable.assign(tf.tensor(weights[i].data, p.variable.shape, 'float32')));
  });
  const flat = (parts: NamedFloats[]) => {
    const out = new Float32Array(parts.reduce((n, t) => n + t.data.length, 0));
    let offset = 0;
    for (const t of parts) {
      out.set(t.data, offset);
      offset += t.data.length;
    }
    return out;
  };
  return { step: checkpoint.meta.optimizerStep, m: flat(m), v: flat(v) };
}
