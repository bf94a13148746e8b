/**
 * Sliding-window attention (§3.5): dense scores with d = headDim, where query i sees keys j with 0 ≤ i − j ≤ w
 * (w + 1 keys including itself). The window is a constant mask; the T×T product is computed densely, as the
 * reference trains it.
 */
import { denseScale } from '../../../core/materialize';
import type { ResolvedAttention } from '../../../core/spec/resolve';
import { DotProductAttention } from './dense';
import type { HeadGroupAttention, HeadGroupContext } from './types';

export function createSlidingWindow(ctx: HeadGroupContext, a: Extract<ResolvedAttention, { kind: 'sliding-window' }>): HeadGroupAttention {
  const dim = ctx.model.headDim;
  return new DotProductAttention(ctx, dim, denseScale(a.logitScale, dim), a.qkNorm, ctx.masks.window(a.window));
}
