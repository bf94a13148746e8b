/** Feature-space (bilinear) families: bilinear MLR (§3.3), bilinear BTT (§3.2) and general MLBTC (§3.6). */
import { factorize } from '../../spec/resolve';
import type { MlbtcLevelSpec, SingleAttentionSpec } from '../../spec/schema';
import { isPlainObject } from '../schemaLayer';
import { formatPath } from '../paths';
import type { Fix, JsonPath } from '../types';
import type { Shape } from './model';
import { nearestDivisor, twoAdicOrder } from './numbers';
import { checkRanksSum } from './ranks';
import { complete, isGiven, rawAt, type Ctx, type Loose } from './view';

type Family<K extends string> = Extract<Loose<SingleAttentionSpec>, { kind?: K }>;

export function checkBilinearMlr(a: Family<'bilinear-mlr'>, path: JsonPath, shape: Shape, ctx: Ctx): void {
  const ranks = complete(a.ranks);
  if (!ranks) return;
  const ranksPath = [...path, 'ranks'];
  checkRanksSum(ranks, ranksPath, shape.headDim, ctx);
  const D = shape.width;
  if (D === undefined) return;
  const L = ranks.length;
  if (D % 2 ** (L - 1) !== 0) {
    const maxLevels = twoAdicOrder(D) + 1;
    ctx.r.error(
      'levels-divide-width',
      ranksPath,
      `bilinear MLR level l splits the width into 2^l blocks, so ${L} levels need model.width divisible by 2^${L - 1} = ${2 ** (L - 1)}; width ${D} allows at most ${maxLevels} level${maxLevels === 1 ? '' : 's'}`,
    );
    return;
  }
  ranks.forEach((rank, l) => {
    const m = D / 2 ** l;
    if (rank > m) {
      ctx.r.warning(
        'rank-wasted',
        [...ranksPath, l],
        `level ${l} has rank ${rank} but its blocks are only ${m} wide (width / 2^${l}); rank above ${m} costs compute without adding rank`,
      );
    }
  });
}

export function checkBilinearBtt(a: Family<'bilinear-btt'>, path: JsonPath, shape: Shape, ctx: Ctx): void {
  const D = shape.width;
  if (!a.factors || D === undefined) return;
  const [x, y] = a.factors;
  if (x * y === D) return;
  const ref = factorize(D);
  const p = [...path, 'factors'];
  ctx.r.error(
    'factors-product',
    p,
    `${formatPath(p)} [${x}, ${y}] multiply to ${x * y}, but they factorise model.width ${D}, so their product must be ${D} (the reference uses [${ref.join(', ')}])`,
    [{ title: `Use the reference factorisation [${ref.join(', ')}]`, path: p, value: ref }],
  );
}

const presetsWithRank = new Set(['low-rank', 'btt']);

export function checkMlbtc(a: Family<'mlbtc'>, path: JsonPath, shape: Shape, ctx: Ctx): void {
  const presetPath = [...path, 'preset'];
  const levelsPath = [...path, 'levels'];
  const rankPath = [...path, 'rank'];
  const hasPreset = isGiven(ctx, presetPath);
  const hasLevels = isGiven(ctx, levelsPath);
  if (hasPreset && hasLevels) {
    const raw = rawAt(ctx, path);
    const without = (key: string) => (isPlainObject(raw) ? Object.fromEntries(Object.entries(raw).filter(([k]) => k !== key)) : undefined);
    ctx.r.error(
      'preset-or-levels',
      presetPath,
      `${formatPath(path)} has both a preset and levels; give one: a preset is shorthand that expands into levels of its own`,
      [
        { title: 'Keep the levels (remove preset)', path, value: without('preset') },
        { title: 'Keep the preset (remove levels)', path, value: without('levels') },
      ],
    );
  } else if (!hasPreset && !hasLevels) {
    // Choice: resolution would fall back to the btt preset, but a structure with neither says nothing about its
    // scoring matrix, so the file must name one (the fix inserts that same default).
    ctx.r.error(
      'preset-or-levels',
      presetPath,
      `${formatPath(path)} needs a preset (low-rank, dense, btt, monarch or kronecker) or a list of levels`,
      [{ title: 'Use preset "btt" (Block Tensor-Train)', path: presetPath, value: 'btt' }],
    );
  }
  if (a.preset === 'low-rank' && !isGiven(ctx, rankPath)) {
    const fixes: Fix[] | undefined =
      shape.headDim !== undefined
        ? [{ title: `Set rank to headDim = ${shape.headDim} (the rank of a dense head)`, path: rankPath, value: shape.headDim }]
        : undefined;
    ctx.r.error(
      'preset-rank',
      rankPath,
      `${formatPath(path)} with preset "low-rank" needs a rank: its scoring matrix is U·Vᵀ with U, V of width rank`,
      fixes,
    );
  }
  if (a.rank !== undefined && (a.preset !== undefined ? !presetsWithRank.has(a.preset) : hasLevels)) {
    const why = a.preset !== undefined ? `preset "${a.preset}" has a fixed rank` : 'each level has its own rank';
    ctx.r.warning('rank-ignored', rankPath, `${formatPath(rankPath)} is not used: ${why}`);
  }
  if (!a.levels || shape.width === undefined) return;
  const D = shape.width;
  a.levels.forEach((level, i) => {
    if (level) checkLevel(level, [...levelsPath, i], D, ctx);
  });
}

function checkLevel(level: Loose<MlbtcLevelSpec>, path: JsonPath, D: number, ctx: Ctx): void {
  if (level.kronecker === true && level.rank !== undefined && level.rank !== 1) {
    const p = [...path, 'rank'];
    ctx.r.error(
      'kronecker-rank',
      p,
      `${formatPath(p)} must be 1 for a Kronecker level: tied cores make each block A ⊗ B, a single rank-1 contraction; got ${level.rank}`,
      [{ title: 'Set rank to 1', path: p, value: 1 }],
    );
  }
  const p = level.blocks;
  if (p === undefined) return;
  if (D % p !== 0) {
    const d = nearestDivisor(D, p);
    const bp = [...path, 'blocks'];
    ctx.r.error(
      'level-blocks',
      bp,
      `${formatPath(bp)} ${p} does not divide model.width ${D}; the level is block-diagonal with ${p} equal blocks of width / blocks${d !== undefined ? ` (nearest: ${d})` : ''}`,
      d !== undefined ? [{ title: `Use ${d} blocks`, path: bp, value: d }] : undefined,
    );
    return;
  }
  const m = D / p;
  for (const side of ['out', 'in'] as const) {
    const pair = level[side];
    if (!pair || pair[0] * pair[1] === m) continue;
    const sp = [...path, side];
    const fix = m % pair[0] === 0 ? [pair[0], m / pair[0]] : m % pair[1] === 0 ? [m / pair[1], pair[1]] : factorize(m);
    ctx.r.error(
      'level-factors',
      sp,
      `${formatPath(sp)} [${pair[0]}, ${pair[1]}] multiply to ${pair[0] * pair[1]}, but each of the ${p} block${p === 1 ? ' is' : 's is'} ${m}×${m} (width / blocks), so the product must be ${m}`,
      [{ title: `Use [${fix.join(', ')}]`, path: sp, value: fix }],
    );
  }
}
