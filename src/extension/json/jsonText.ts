/** JSON text as people lay it out by hand: objects across lines, short scalar lists on one line. Pure. */

/** One line with the spacing people type: `[32, 8]`, `{ "a": 1 }`. */
export function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(', ')}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`);
    return entries.length ? `{ ${entries.join(', ')} }` : '{}';
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Indented JSON where arrays of scalars (ranks, factor pairs) stay on one line, unlike JSON.stringify(v, null, 2)
 * which gives every rank its own line. Ends with a newline.
 */
export function prettyJson(value: unknown, indent = '  '): string {
  const write = (v: unknown, pad: string): string => {
    if (Array.isArray(v) && !v.every(isScalar)) return `[\n${v.map((x) => pad + indent + write(x, pad + indent)).join(',\n')}\n${pad}]`;
    if (isPlainObject(v) && Object.keys(v).length) {
      const entries = Object.entries(v).map(([k, x]) => `${pad}${indent}${JSON.stringify(k)}: ${write(x, pad + indent)}`);
      return `{\n${entries.join(',\n')}\n${pad}}`;
    }
    return inlineJson(v);
  };
  return `${write(value, '')}\n`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}
