/**
 * Will a run fit? An estimate of the memory training needs, checked before a run folder is created (the CLI) and
 * again when the worker has started its backend: a run that cannot fit is refused with the fields to change,
 * instead of thrashing the machine or dying in tfjs-wasm's allocator after minutes of start-up. createRunFolder records
 * trainingMemory() in spec.json, where the PyTorch worker (mlbtc_torch/resources.py) applies the same rule and message.
 *
 * Estimate (float32 throughout): parameters, their gradients and AdamW's two moments (4 × parameters), plus the
 * larger of the activations one micro-batch keeps for the backward pass (analyze() activationBytesPerSequence ×
 * microBatchSize, or batchSize) and an evaluation batch's forward pass (bounded by the same per-sequence figure ×
 * batchSize). The estimate ignores tfjs's own overhead and temporaries, so it refuses only what certainly cannot
 * fit; a run that passes may still be tight.
 */
import type { ResolvedSpec } from '../spec/resolve';
import { shortBytes } from '../format';
import { analyze } from './analyze';

/** tfjs-backend-wasm is a 32-bit WebAssembly module: its heap, which holds every tensor, cannot grow past 4 GiB. */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;

export interface TrainingMemory {
  /** Parameters, gradients and AdamW moments. */
  state: number;
  /** Activations of one micro-batch kept for the backward pass. */
  activations: number;
  /** One evaluation batch's forward pass. */
  evaluation: number;
  /** state + the larger of activations and evaluation. */
  total: number;
}

const FLOAT32_BYTES = 4;

export function trainingMemory(spec: ResolvedSpec): TrainingMemory {
  const a = analyze(spec);
  const t = spec.training;
  const state = 4 * FLOAT32_BYTES * a.params.total;
  const activations = a.activationBytesPerSequence * (t.microBatchSize ?? t.batchSize);
  const evaluation = a.activationBytesPerSequence * t.batchSize;
  return { state, activations, evaluation, total: state + Math.max(activations, evaluation) };
}

export interface MemoryLimits {
  /** Free memory of the machine (os.freemem()). */
  freeBytes: number;
  /** The backend that will run it, when known ("wasm" is bounded by WASM_HEAP_BYTES). */
  backend?: string;
}

/** Why the run cannot fit, naming the fields to change; null when it may. */
export function memoryProblem(spec: ResolvedSpec, limits: MemoryLimits): string | null {
  const need = trainingMemory(spec);
  const cap =
    limits.backend === 'wasm' && WASM_HEAP_BYTES < limits.freeBytes
      ? { bytes: WASM_HEAP_BYTES, what: 'the wasm backend can hold (its heap is 4 GiB at most)' }
      : { bytes: limits.freeBytes, what: 'this machine has free' };
  if (need.total <= cap.bytes) return null;
  const t = spec.training;
  const batch = t.microBatchSize === null ? `training.batchSize ${t.batchSize}` : `training.microBatchSize ${t.microBatchSize}`;
  return (
    `training needs about ${shortBytes(need.total)} (parameters, gradients and AdamW state ${shortBytes(need.state)}; activations of ${batch} ` +
    `sequences ${shortBytes(need.activations)}; evaluation of training.batchSize ${t.batchSize} sequences ${shortBytes(need.evaluation)}), ` +
    `more than the ${shortBytes(cap.bytes)} ${cap.what}. Lower training.batchSize (or set training.microBatchSize), model.seqLen, ` +
    `model.width or model.layers${limits.backend === 'wasm' ? ', or train on another backend (training.backend)' : ''}.`
  );
}
