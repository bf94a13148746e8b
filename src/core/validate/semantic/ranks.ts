import { formatPath } from '../paths';
import type { JsonPath } from '../types';
import { sum } from './numbers';
import type { Ctx } from './view';

/** MLR and bilinear-MLR levels split each head's dimensions: Σ r_l = headDim (§3.3, §3.4). */
export function checkRanksSum(ranks: number[], path: JsonPath, headDim: number | undefined, ctx: Ctx): boolean {
  if (headDim === undefined) return true;
  const total = sum(ranks);
  if (total === headDim) return true;
  const last = ranks[ranks.length - 1]! + headDim - total;
  const fixes =
    last >= 1
      ? [{ title: `Set the last rank to ${last} (ranks sum to ${headDim})`, path, value: [...ranks.slice(0, -1), last] }]
      : undefined;
  ctx.r.error(
    'ranks-sum',
    path,
    `${formatPath(path)} sum to ${total} (${ranks.join(' + ')}), but the levels split each head's ${headDim} dimensions (model.headDim), so they must sum to ${headDim}`,
    fixes,
  );
  return false;
}
