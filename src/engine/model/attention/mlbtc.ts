/**
 * Multi-Level Block Tensor Contraction attention, the general family (§3.6), scored as Bilinear BTT is:
 *   S_h[i,j] = κ · x_iᵀ · LN(W_h x_j),   W_h = Σ_l BlockDiag_{k<p_l}(B_{l,k,h}),   κ = 1/√D or 1/D,
 * each block a two-core contraction (or a Kronecker product A ⊗ B when the level is `kronecker`), the LN over D with
 * gains shared by the group's heads. The levels are applied to the keys and summed; no D×D matrix is formed.
 *
 * Initialisation follows the Bilinear-BTT rule of §2.4 per level (the reference has no general MLBTC class):
 * left core ~ N(0, 1/d) with lr W₀/d, right core ~ N(0, 1/(c·s)) with lr W₀/(c·s); Kronecker A ~ N(0, 1/c),
 * B ~ N(0, 1/d). Either way each entry of a block has variance 1/m, like a dense N(0, 1/fan_in) matrix.
 * MLBTC has no weightClamp option; its weights are used as they are.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearScale } from '../../../core/materialize';
import type { ResolvedAttention } from '../../../core/spec/resolve';
import { maskedSoftmax, maybeLayerNorm } from '../ops';
import {
  applyBlockTensor,
  applyKronecker,
  blockTensorCoreShapes,
  keySideScores,
  kroneckerCoreShapes,
  type BlockTensorShape,
} from './blockTensor';
import type { HeadGroupAttention, HeadGroupContext } from './types';

type Mlbtc = Extract<ResolvedAttention, { kind: 'mlbtc' }>;

interface Level {
  shape: BlockTensorShape;
  kronecker: boolean;
  /** left and right cores, or Kronecker A and B. */
  first: tf.Variable;
  second: tf.Variable;
}

export class MlbtcAttention implements HeadGroupAttention {
  readonly heads: number;
  private readonly levels: Level[];
  private readonly lnKeys?: tf.Variable;
  private readonly scale: number;
  private readonly causal: tf.Tensor2D;

  constructor(ctx: HeadGroupContext, a: Mlbtc) {
    const { params, prefix, model, heads } = ctx;
    this.heads = heads;
    this.levels = a.levels.map((level, l) => {
      const shape: BlockTensorShape = { blocks: level.blocks, heads, out: level.out, in: level.in, rank: level.rank };
      const [c, d] = level.in;
      const name = `${prefix}.levels.${l}`;
      if (level.kronecker) {
        const cores = kroneckerCoreShapes(shape);
        return {
          shape,
          kronecker: true,
          first: params.matrix(`${name}.kron_a`, cores.a, c),
          second: params.matrix(`${name}.kron_b`, cores.b, d),
        };
      }
      const cores = blockTensorCoreShapes(shape);
      return {
        shape,
        kronecker: false,
        first: params.matrix(`${name}.left`, cores.left, d),
        second: params.matrix(`${name}.right`, cores.right, c * level.rank),
      };
    });
    if (a.qkNorm) this.lnKeys = params.gain(`${prefix}.ln_keys`, model.width);
    this.scale = bilinearScale(a.logitScale, model.width);
    this.causal = ctx.masks.causal();
  }

  scores(x: tf.Tensor3D): tf.Tensor4D {
    const [b, t, d] = x.shape;
    const flat = tf.reshape(x, [b * t, d]) as tf.Tensor2D;
    const transformed = this.levels.map((level) =>
      level.kronecker
        ? applyKronecker(flat, level.first, level.second, level.shape)
        : applyBlockTensor(flat, level.first, level.second, level.shape),
    );
    const keys = transformed.length === 1 ? transformed[0] : tf.addN(transformed);
    return keySideScores(x, maybeLayerNorm(keys, this.lnKeys as tf.Tensor1D | undefined) as tf.Tensor3D, this.scale);
  }

  weights(x: tf.Tensor3D): tf.Tensor4D {
    return maskedSoftmax(this.scores(x), this.causal);
  }
}

export function createMlbtc(ctx: HeadGroupContext, a: Mlbtc): HeadGroupAttention {
  return new MlbtcAttention(ctx, a);
}
