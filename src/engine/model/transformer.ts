/**
 * The trunk every task shares, as the reference builds it (§2.1): learned absolute positions added to the task's
 * input embedding, pre-LN blocks x ← x + Attn(LN_1(x)); x ← x + MLP(LN_2(x)) with an exact-GELU MLP
 * D → mlpRatio·D → D, then a final LayerNorm. No biases anywhere; LayerNorms have gains only.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedSpec } from '../../core/spec/resolve';
import { AttentionLayer } from './attention';
import type { MaskCache } from './masks';
import { gelu, layerNorm, linear } from './ops';
import type { ParamFactory } from './params';

export class Block {
  readonly attention: AttentionLayer;
  private readonly ln1: tf.Variable;
  private readonly ln2: tf.Variable;
  private readonly fc: tf.Variable;
  private readonly proj: tf.Variable;

  constructor(params: ParamFactory, index: number, spec: ResolvedSpec, masks: MaskCache) {
    const { width, mlpRatio } = spec.model;
    const prefix = `h.${index}`;
    this.ln1 = params.gain(`${prefix}.ln_1`, width);
    // Each block builds its own layer's groups (docs/choices.md: per-layer structures); names stay h.<index>.…
    this.attention = new AttentionLayer(params, `${prefix}.attn`, spec.model, spec.layers[index]!.groups, masks);
    this.ln2 = params.gain(`${prefix}.ln_2`, width);
    this.fc = params.matrix(`${prefix}.mlp.c_fc`, [width, mlpRatio * width], width);
    this.proj = params.zeroMatrix(`${prefix}.mlp.c_proj`, [mlpRatio * width, width], mlpRatio * width);
  }

  /** The attention module's input: LN_1(x). */
  attentionInput(x: tf.Tensor3D): tf.Tensor3D {
    return layerNorm(x, this.ln1 as tf.Tensor1D) as tf.Tensor3D;
  }

  apply(x: tf.Tensor3D): tf.Tensor3D {
    const afterAttention = tf.add(x, this.attention.apply(this.attentionInput(x))) as tf.Tensor3D;
    const hidden = gelu(linear(layerNorm(afterAttention, this.ln2 as tf.Tensor1D), this.fc as tf.Tensor2D));
    return tf.add(afterAttention, linear(hidden, this.proj as tf.Tensor2D)) as tf.Tensor3D;
  }
}

export class Trunk {
  readonly blocks: Block[];
  private readonly positions: tf.Variable;
  private readonly lnF: tf.Variable;

  constructor(params: ParamFactory, spec: ResolvedSpec, masks: MaskCache) {
    const { width, seqLen, layers } = spec.model;
    this.positions = params.embedding('wpe', [seqLen, width]);
    this.blocks = Array.from({ length: layers }, (_, i) => new Block(params, i, spec, masks));
    this.lnF = params.gain('ln_f', width);
  }

  /** Token embeddings (B, T, D) → final hidden states LN_f(blocks(x + positions)) (B, T, D). */
  apply(embedded: tf.Tensor3D): tf.Tensor3D {
    let x = tf.add(embedded, this.positions) as tf.Tensor3D;
    for (const block of this.blocks) x = block.apply(x);
    return layerNorm(x, this.lnF as tf.Tensor1D) as tf.Tensor3D;
  }
}
