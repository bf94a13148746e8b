/**
 * A trial as people read it: the values the search varied, each under its shortest unambiguous key
 * ("ranks 16|8|4|4 · lr 3e-3"), for the Experiments view, the search view and anything else that lists trials.
 * The full dotted keys stay in assignmentLabel (space.ts), which the plan and the CLI's tables print.
 */
import type { Assignment } from './space';

/** A number short: integers as they are, others to three significant digits, below 0.1 or huge as "3e-3" (rates). */
export function shortNumber(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 0.1 || abs >= 1e6)) {
    const [mantissa, exponent] = v.toExponential(2).split('e');
    return `${String(Number(mantissa))}e${Number(exponent)}`;
  }
  return String(Number(v.toPrecision(3)));
}

/** A varied value short: numbers as shortNumber, lists joined with bars (nested ones with commas), text as it is. */
export function shortValue(v: unknown, depth = 0): string {
  if (typeof v === 'number') return shortNumber(v);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((x) => shortValue(x, depth + 1)).join(depth ? ',' : '|');
  return JSON.stringify(v);
}

/**
 * Each key's last segments, as few as make it unique among `keys`; numeric segments (a list index) stay attached to
 * the name before them ("attention.1.heads" → "1.heads" only when "heads" alone is ambiguous).
 */
export function shortKeys(keys: readonly string[]): Map<string, string> {
  const split = keys.map((k) => k.split('.'));
  const short = new Map<string, string>();
  keys.forEach((key, i) => {
    const parts = split[i]!;
    for (let n = 1; n <= parts.length; n++) {
      const tail = parts.slice(-n).join('.');
      const clash = split.some((other, j) => j !== i && other.slice(-n).join('.') === tail);
      if (!clash && !/^\d+$/.test(parts[parts.length - n]!)) {
        short.set(key, tail);
        return;
      }
    }
    short.set(key, key);
  });
  return short;
}

/** "ranks 16|8|4|4 · lr 3e-3": the varied values under short keys, in the assignment's (dimension) order. */
export function trialParams(assignment: Assignment): string {
  const keys = Object.keys(assignment);
  const short = shortKeys(keys);
  return keys.map((k) => `${short.get(k)} ${shortValue(assignment[k])}`).join(' · ');
}
