/**
 * Bilinear Block Tensor-Train attention (§3.2): every head has a full-rank D×D BTT matrix W_h applied on the key
 * side only, S_h[i,j] = κ · x_iᵀ · LN(W_h x_j), κ = 1/√D or 1/D, the LN over D with gains shared by the heads.
 * W_h is never formed: the keys are transformed with the two cores in the reference's contraction order
 * (./blockTensor.ts). Cores: wk (c, d, H·b·s) ~ N(0, 1/d), lr W₀/d; wq (H·b, a, c·s) ~ N(0, 1/(c·s)), lr W₀/(c·s)
 * (§2.4), with (a, b) = (c, d) = `factors`. weightClamp applies the RMS clamp with (d_in, d_out) = (d, H·b·s) for
 * wk and (c·s, a) for wq.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bilinearScale } from '../../../core/materialize';
import type { ResolvedAttention } from '../../../core/spec/resolve';
import { maskedSoftmax, maybeLayerNorm, rmsClamp } from '../ops';
import { applyBlockTensor, blockTensorCoreShapes, keySideScores, type BlockTensorShape } from './blockTensor';
import type { HeadGroupAttention, HeadGroupContext } from './types';

type BilinearBtt = Extract<ResolvedAttention, { kind: 'bilinear-btt' }>;

export class BilinearBttAttention implements HeadGroupAttention {
  readonly heads: number;
  private readonly shape: BlockTensorShape;
  private readonly wk: tf.Variable;
  private readonly wq: tf.Variable;
  private readonly lnKeys?: tf.Variable;
  private readonly scale: number;
  private readonly causal: tf.Tensor2D;

  constructor(
    ctx: HeadGroupContext,
    private readonly a: BilinearBtt,
  ) {
    const { params, prefix, model, heads } = ctx;
    const [fa, fb] = a.factors;
    this.heads = heads;
    this.shape = { blocks: 1, heads, out: [fa, fb], in: [fa, fb], rank: a.rank };
    const cores = blockTensorCoreShapes(this.shape);
    this.wk = params.matrix(`${prefix}.wk`, cores.left, fb);
    this.wq = params.matrix(`${prefix}.wq`, cores.right, fa * a.rank);
    if (a.qkNorm) this.lnKeys = params.gain(`${prefix}.ln_keys`, model.width);
    this.scale = bilinearScale(a.logitScale, model.width);
    this.causal = ctx.masks.causal();
  }

  scores(x: tf.Tensor3D): tf.Tensor4D {
    const [b, t, d] = x.shape;
    const {
      heads,
      out: [fa, fb],
      rank,
    } = this.shape;
    const wk = this.a.weightClamp ? rmsClamp(this.wk, fb, heads * fb * rank) : this.wk;
    const wq = this.a.weightClamp ? rmsClamp(this.wq, fa * rank, fa) : this.wq;
    const keys = applyBlockTensor(tf.reshape(x, [b * t, d]), wk, wq, this.shape);
    return keySideScores(x, maybeLayerNorm(keys, this.lnKeys as tf.Tensor1D | undefined) as tf.Tensor3D, this.scale);
  }

  weights(x: tf.Tensor3D): tf.Tensor4D {
    return maskedSoftmax(this.scores(x), this.causal);
  }
}

export function createBilinearBtt(ctx: HeadGroupContext, a: BilinearBtt): HeadGroupAttention {
  return new BilinearBttAttention(ctx, a);
}
