/**
 * The parts of the model outside the transformer blocks, per task (§2.1): what maps data into the width-D stream
 * and back out. No biases anywhere; the LM head is untied from the token embedding.
 *
 * - icl-regression: read-in Linear(inputDim → D) on the interleaved (x, ỹ) tokens, read-out Linear(D → 1).
 * - language-model: token embedding vocab×D (a lookup), lm head Linear(D → vocab).
 * - forecast: read-in Linear(channels → D) per step, read-out Linear(D → channels) per step.
 * - all: learned positions seqLen×D (added for forecast too, unlike the reference, §7.16: horizon placeholders are
 *   identical inputs, so only positions tell them apart), and the final LayerNorm gain ln_f (D).
 */
import type { ResolvedModel, ResolvedTask } from '../spec/resolve';

export interface TaskHeads {
  /** Parameters outside the blocks, keyed by part; the keys name what they are. */
  params: Record<string, number>;
  /**
   * Forward MACs per token outside the blocks. The LM embedding is a table lookup and costs none; the read-ins of
   * icl-regression and forecast are real matmuls and are counted. Output heads are counted at every position.
   */
  macsPerToken: number;
  /** Values the output head writes per token (logits for the LM). */
  outputWidth: number;
}

export function taskHeads(task: ResolvedTask, model: ResolvedModel): TaskHeads {
  const D = model.width;
  const positions = model.seqLen * D;
  switch (task.kind) {
    case 'icl-regression':
      return {
        params: { readIn: task.inputDim * D, positions, finalNorm: D, readOut: D },
        macsPerToken: task.inputDim * D + D,
        outputWidth: 1,
      };
    case 'language-model':
      return {
        params: { tokenEmbedding: task.vocabSize * D, positions, finalNorm: D, lmHead: D * task.vocabSize },
        macsPerToken: D * task.vocabSize,
        outputWidth: task.vocabSize,
      };
    case 'forecast':
      return {
        params: { readIn: task.channels * D, positions, finalNorm: D, readOut: D * task.channels },
        macsPerToken: task.channels * D + D * task.channels,
        outputWidth: task.channels,
      };
  }
}
