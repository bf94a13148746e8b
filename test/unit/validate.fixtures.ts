/** Small specs and helpers shared by the validation tests (not a test file itself). */
import type { Fix, JsonPath } from '../../src/core/validate';

/** A valid character-LM spec (width 256, 4 heads of 64, T 1024) with the given attention and overrides. */
export function lm(attention: unknown, model: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'lm',
    task: { kind: 'language-model' },
    model: { width: 256, heads: 4, layers: 2, seqLen: 1024, ...model },
    attention,
    ...extra,
  };
}

/** A valid in-context regression spec (d 16, T 64, width 64, 4 heads of 16). */
export function icl(
  task: Record<string, unknown> = {},
  model: Record<string, unknown> = {},
  attention: unknown = { kind: 'dense' },
): Record<string, unknown> {
  return {
    name: 'icl',
    task: { kind: 'icl-regression', inputDim: 16, ...task },
    model: { width: 64, heads: 4, layers: 2, seqLen: 64, ...model },
    attention,
  };
}

/** A forecasting spec (7 channels, lookback 96 + horizon 32 = T 128). */
export function forecast(task: Record<string, unknown> = {}, model: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'fc',
    task: { kind: 'forecast', channels: 7, lookback: 96, horizon: 32, ...task },
    model: { width: 64, heads: 2, layers: 2, seqLen: 128, ...model },
    attention: { kind: 'dense' },
  };
}

/** A deep copy of `value` with `path` set to `v` (what a fix means), independent of any editor code. */
export function setAt(value: unknown, path: JsonPath, v: unknown): unknown {
  if (path.length === 0) return structuredClone(v);
  const root = structuredClone(value) as Record<string | number, unknown>;
  let node = root;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = structuredClone(v);
  return root;
}

export const applyFix = (value: unknown, fix: Fix): unknown => setAt(value, fix.path, fix.value);
