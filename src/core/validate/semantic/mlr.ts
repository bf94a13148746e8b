/** Sequence-space MLR attention (§3.4): ranks, block schedule, and coverage normalisation. */
import { attentionSchemas, dyadicBlocks } from '../../spec/resolve';
import type { SingleAttentionSpec } from '../../spec/schema';
import { formatPath } from '../paths';
import type { Fix, JsonPath } from '../types';
import type { Shape } from './model';
import { nearestDivisor, twoAdicOrder } from './numbers';
import { checkRanksSum } from './ranks';
import { complete, effective, type Ctx, type Loose } from './view';

type Mlr = Extract<Loose<SingleAttentionSpec>, { kind?: 'mlr' }>;

const defaults = attentionSchemas.mlr.properties;

export function checkMlr(a: Mlr, path: JsonPath, shape: Shape, ctx: Ctx): void {
  const ranks = complete(a.ranks);
  if (!ranks) return;
  checkRanksSum(ranks, [...path, 'ranks'], shape.headDim, ctx);
  const T = shape.seqLen;
  const schedule = effective(ctx, a.blockSizes, [...path, 'blockSizes'], defaults.blockSizes.default as 'dyadic');
  if (T === undefined || schedule === undefined) return;
  const blocks =
    schedule === 'dyadic'
      ? dyadicSchedule(ranks, T, path, ctx, a.blockSizes !== undefined)
      : customSchedule(complete(schedule), ranks, T, path, ctx);
  if (!blocks) return;
  const normalize = effective(ctx, a.normalize, [...path, 'normalize'], defaults.normalize.default as 'none');
  if (normalize === 'coverage') checkCoverage(blocks, T, path, ctx);
}

/** T_l = T/2^l must be whole and hold its rank. Returns the schedule when it is usable. */
function dyadicSchedule(ranks: number[], T: number, path: JsonPath, ctx: Ctx, written: boolean): number[] | undefined {
  const L = ranks.length;
  const blocks = dyadicBlocks(T, L);
  if (!blocks.every(Number.isInteger)) {
    const need = 2 ** (L - 1);
    const maxLevels = twoAdicOrder(T) + 1;
    const suggestion = need * Math.max(1, Math.round(T / need));
    ctx.r.error(
      'dyadic-divisible',
      [...path, written ? 'blockSizes' : 'ranks'],
      `dyadic blocks halve the sequence at every level (T_l = seqLen / 2^l), so ${L} levels need model.seqLen divisible by 2^${L - 1} = ${need}; seqLen ${T} allows at most ${maxLevels} level${maxLevels === 1 ? '' : 's'}. Use seqLen ${suggestion}, fewer levels, or explicit blockSizes`,
    );
    return undefined;
  }
  let ok = true;
  blocks.forEach((Tl, l) => {
    if (ranks[l]! <= Tl) return;
    ok = false;
    ctx.r.error(
      'block-ge-rank',
      [...path, 'ranks', l],
      `level ${l} has rank ${ranks[l]} but its dyadic block is only ${Tl} tokens (seqLen / 2^${l}); a ${Tl}-token block supports rank at most ${Tl}`,
    );
  });
  return ok ? blocks : undefined;
}

/** Explicit block lengths: one per level, each a divisor of T and at least its rank. */
function customSchedule(blocks: number[] | undefined, ranks: number[], T: number, path: JsonPath, ctx: Ctx): number[] | undefined {
  if (!blocks) return undefined;
  const listPath = [...path, 'blockSizes'];
  if (blocks.length !== ranks.length) {
    ctx.r.error(
      'block-count',
      listPath,
      `${formatPath(listPath)} has ${blocks.length} entr${blocks.length === 1 ? 'y' : 'ies'} but ${formatPath([...path, 'ranks'])} has ${ranks.length} levels; give one block size per level`,
    );
    return undefined;
  }
  let ok = true;
  blocks.forEach((Tl, l) => {
    const rank = ranks[l]!;
    const p = [...listPath, l];
    const d = nearestDivisor(T, Tl, rank);
    const fixes: Fix[] | undefined = d !== undefined ? [{ title: `Use block size ${d}`, path: p, value: d }] : undefined;
    if (T % Tl !== 0) {
      ok = false;
      ctx.r.error(
        'block-divides-seqlen',
        p,
        `block size ${Tl} does not divide model.seqLen ${T}; a level's blocks must tile the sequence exactly${d !== undefined ? ` (nearest usable: ${d})` : ''}`,
        fixes,
      );
    } else if (Tl < rank) {
      ok = false;
      ctx.r.error(
        'block-ge-rank',
        p,
        `block size ${Tl} is below its level's rank ${rank}; a ${Tl}-token block supports rank at most ${Tl}, so use a block of at least ${rank} tokens${d !== undefined ? ` (e.g. ${d})` : ''}`,
        fixes,
      );
    }
  });
  return ok ? blocks : undefined;
}

/**
 * normalize "coverage" divides each logit by c(i, j), the number of levels whose block holds both i and j (§3.4 g).
 * With blocks that divide T, the pair (T−1, 0) shares a block only with a level whose block is all of T, and such
 * a level covers every pair. So coverage holds exactly when some block size equals T; otherwise (T−1, 0) is the
 * witness, the farthest pair, as far as the message can point.
 */
function checkCoverage(blocks: number[], T: number, path: JsonPath, ctx: Ctx): void {
  if (blocks.includes(T)) return;
  const largest = Math.max(...blocks);
  const k = blocks.indexOf(largest);
  ctx.r.error(
    'coverage',
    [...path, 'normalize'],
    `normalize "coverage" divides each logit by the number of levels whose block holds the pair, but pair (i=${T - 1}, j=0) is in no level's block (the largest block is ${largest}, below seqLen ${T}), which would divide by zero; add a level with block size ${T}, or use normalize "none"`,
    [
      { title: `Make level ${k} global: block size ${T}`, path: [...path, 'blockSizes', k], value: T },
      { title: 'Use normalize "none"', path: [...path, 'normalize'], value: 'none' },
    ],
  );
}
