/**
 * Training FLOPs, the compute axis of every metric record (§5: loss against compute).
 *
 * Rule: one optimiser step costs 6 × the forward multiply-adds of its sequences. A multiply-add is 2 FLOPs and the
 * backward pass costs twice the forward (gradients with respect to activations and to weights), so
 * forward + backward = 3 × 2 × MACs. Forward MACs per sequence come from core analyze() (macs.perSequence:
 * projections, MLP and output head of every token plus the score and A·V products of every head, blockwise and
 * without causal savings, as the reference counts with fvcore). Every step trains batchSize full-length sequences:
 * ICL curriculum masks and padding do not shrink the tensors the model runs, so they do not shrink the count
 * (the reference also measures ICL FLOPs once at the final length, §7.12). The optimiser update, norms, softmax and
 * other element-wise work are not counted, as fvcore does not count them.
 */
import { analyze } from '../../core/analysis';
import type { ResolvedSpec } from '../../core/spec/resolve';

export const TRAINING_FLOPS_PER_FORWARD_MAC = 6;

export function trainingFlopsPerStep(spec: ResolvedSpec): number {
  return TRAINING_FLOPS_PER_FORWARD_MAC * analyze(spec).macs.perSequence * spec.training.batchSize;
}
