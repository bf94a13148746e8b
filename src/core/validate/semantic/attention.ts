/** Attention rules: the per-layer pattern, head groups, then each family's own constraints, per layer entry. */
import type { AttentionSpec, LayerAttentionSpec, LayerPatternSpec, SingleAttentionSpec } from '../../spec/schema';
import { isLayerPattern } from '../../spec/resolve';
import { formatPath } from '../paths';
import type { Fix, JsonPath } from '../types';
import { checkBilinearBtt, checkBilinearMlr, checkMlbtc } from './feature';
import { checkMlr } from './mlr';
import type { Shape } from './model';
import { sum } from './numbers';
import { complete, type Ctx, type Loose } from './view';

/** `layers` is model.layers when valid: a pattern's length must divide it. */
export function checkAttention(att: Loose<AttentionSpec> | undefined, shape: Shape, layers: number | undefined, ctx: Ctx): void {
  if (att === undefined) return;
  if (isLayerPattern(att)) {
    const pattern = (att as Loose<LayerPatternSpec>).pattern;
    if (!pattern) return;
    checkPatternLength(pattern.length, layers, ctx);
    // Each entry is checked once: the rules are per structure, and repeats of an entry are the same structure.
    pattern.forEach((entry, i) => {
      if (entry) checkLayer(entry, ['attention', 'pattern', i], shape, ctx);
    });
  } else {
    checkLayer(att as Loose<LayerAttentionSpec>, ['attention'], shape, ctx);
  }
}

function checkLayer(att: Loose<LayerAttentionSpec>, path: JsonPath, shape: Shape, ctx: Ctx): void {
  if (Array.isArray(att)) {
    checkGroupHeads(
      att.map((g) => g?.heads),
      path,
      shape,
      ctx,
    );
    att.forEach((g, i) => {
      if (g) checkFamily(g as Loose<SingleAttentionSpec>, [...path, i], shape, ctx);
    });
  } else {
    checkFamily(att as Loose<SingleAttentionSpec>, path, shape, ctx);
  }
}

/** Layer ℓ uses entry ℓ mod n, so n must divide model.layers (a remainder would repeat the motif partially). */
function checkPatternLength(n: number, layers: number | undefined, ctx: Ctx): void {
  if (layers === undefined || layers % n === 0) return;
  const fixes: Fix[] = [];
  const up = Math.ceil(layers / n) * n;
  const down = Math.floor(layers / n) * n;
  if (up <= 1024) fixes.push({ title: `Set model.layers to ${up}`, path: ['model', 'layers'], value: up });
  if (down >= 1 && down !== up) fixes.push({ title: `Set model.layers to ${down}`, path: ['model', 'layers'], value: down });
  ctx.r.error(
    'pattern-length',
    ['attention', 'pattern'],
    `attention.pattern has ${n} entries, which does not divide model.layers ${layers}; layer ℓ uses entry ℓ mod ${n}, ` +
      'so the pattern must repeat a whole number of times (list one entry per layer for an irregular arrangement)',
    fixes,
  );
}

function checkGroupHeads(counts: (number | undefined)[], path: JsonPath, shape: Shape, ctx: Ctx): void {
  const heads = complete(counts);
  const H = shape.heads;
  if (!heads || H === undefined) return;
  const total = sum(heads);
  if (total === H) return;
  const diff = H - total;
  // The last group that can absorb the difference and keep at least one head.
  let absorb = -1;
  for (let i = heads.length - 1; i >= 0; i--)
    if (heads[i]! + diff >= 1) {
      absorb = i;
      break;
    }
  const fixes: Fix[] = [];
  if (absorb >= 0)
    fixes.push({
      title: `Set ${formatPath([...path, absorb, 'heads'])} to ${heads[absorb]! + diff}`,
      path: [...path, absorb, 'heads'],
      value: heads[absorb]! + diff,
    });
  if (shape.width !== undefined && shape.width % total === 0 && !shape.headDimGiven) {
    fixes.push({ title: `Set model.heads to ${total}`, path: ['model', 'heads'], value: total });
  }
  const at = absorb >= 0 ? absorb : heads.length - 1;
  ctx.r.error(
    'group-heads',
    [...path, at, 'heads'],
    `head groups have ${heads.join(' + ')} = ${total} heads, but model.heads is ${H}; the groups partition the heads, so their sizes must add up to ${H}`,
    fixes,
  );
}

function checkFamily(a: Loose<SingleAttentionSpec>, path: JsonPath, shape: Shape, ctx: Ctx): void {
  switch (a.kind) {
    case 'dense':
      if (a.qkDim !== undefined && shape.width !== undefined && a.qkDim > shape.width) {
        const p = [...path, 'qkDim'];
        ctx.r.warning(
          'rank-wasted',
          p,
          `${formatPath(p)} ${a.qkDim} is above model.width ${shape.width}: a head's scoring matrix is width × width, so its rank stays at most ${shape.width} and the extra dimensions only cost compute`,
        );
      }
      return;
    case 'sliding-window':
      checkWindow(a.window, path, shape, ctx, 'this is dense attention at sliding-window cost');
      return;
    case 'global-local':
      checkGlobalLocalSplit(a.split, path, shape, ctx);
      checkWindow(a.window, path, shape, ctx, 'the local part sees the same keys as the global part');
      return;
    case 'mlr':
      return checkMlr(a, path, shape, ctx);
    case 'bilinear-mlr':
      return checkBilinearMlr(a, path, shape, ctx);
    case 'bilinear-btt':
      return checkBilinearBtt(a, path, shape, ctx);
    case 'mlbtc':
      return checkMlbtc(a, path, shape, ctx);
    default:
      return;
  }
}

/**
 * Query i sees keys j with 0 ≤ i − j ≤ w (§3.5). The farthest causal pair is T − 1 apart, so any w ≥ T − 1 lets
 * every pair through. (Choice: the warning starts at T − 1, not T, because w = T − 1 is already unrestricted.)
 */
function checkWindow(w: number | undefined, path: JsonPath, shape: Shape, ctx: Ctx, consequence: string): void {
  const T = shape.seqLen;
  if (w === undefined || T === undefined || w < T - 1) return;
  const p = [...path, 'window'];
  ctx.r.warning(
    'window-covers-all',
    p,
    `${formatPath(p)} ${w} spans the whole sequence (seqLen ${T}: the farthest causal pair is ${T - 1} apart), so every pair is inside the window and ${consequence}; use a window below ${T - 1}`,
  );
}

function checkGlobalLocalSplit(split: [number, number] | undefined, path: JsonPath, shape: Shape, ctx: Ctx): void {
  const r = shape.headDim;
  if (!split || r === undefined) return;
  const [g, l] = split;
  if (g + l === r) return;
  const p = [...path, 'split'];
  const fix: [number, number] | undefined = r - g >= 1 ? [g, r - g] : r - l >= 1 ? [r - l, l] : undefined;
  ctx.r.error(
    'global-local-split',
    p,
    `${formatPath(p)} [${g}, ${l}] sums to ${g + l}, but the global and local parts share each head's ${r} dimensions (model.headDim), so they must sum to ${r}`,
    fix ? [{ title: `Use [${fix.join(', ')}]`, path: p, value: fix }] : undefined,
  );
}
