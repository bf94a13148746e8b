import type { JsonPath } from './types';

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A JSON path as users read it in messages: `attention[1].ranks[2]`, `search.space["training.lr"]`.
 * The root is "the spec".
 */
export function formatPath(path: JsonPath): string {
  if (path.length === 0) return 'the spec';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (identifier.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
