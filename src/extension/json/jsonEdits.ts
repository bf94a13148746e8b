/**
 * Turns a validation fix ("set the value at this JSON path") into the smallest text edits that make it, so a quick
 * fix changes only the characters it has to and the user's layout (one-line arrays, indentation, key order)
 * survives. Pure: no vscode, so it is unit-tested in plain Node.
 */
import { findNodeAtLocation, getNodeValue, modify, parseTree, type Edit, type FormattingOptions, type Node } from 'jsonc-parser';
import type { Fix, JsonPath } from '../../core/validate/types';
import { inlineJson, isPlainObject } from './jsonText';

export type { Edit };

/**
 * Edits that set `fix.value` at `fix.path` in `text`.
 * An existing value is changed in place: arrays and objects of the same shape are descended into so only the leaves
 * that differ are rewritten. An absent value is added to a one-line object on that line, or else inserted by
 * jsonc-parser, formatted like the document.
 */
export function fixEdits(text: string, fix: Fix): Edit[] {
  const root = parseTree(text);
  const formattingOptions = detectFormatting(text);
  const node = root ? findNodeAtLocation(root, fix.path) : undefined;
  if (node) return replaceValue(text, node, fix.path, fix.value, formattingOptions);
  const inline = root && insertInline(text, root, fix.path, fix.value);
  return inline ? [inline] : modify(text, fix.path, fix.value, { formattingOptions });
}

function replaceValue(text: string, node: Node, path: JsonPath, value: unknown, fmt: FormattingOptions): Edit[] {
  if (sameJson(getNodeValue(node), value)) return [];
  const children = node.children ?? [];
  if (node.type === 'array' && Array.isArray(value) && children.length === value.length) {
    return children.flatMap((child, i) => replaceValue(text, child, [...path, i], value[i], fmt));
  }
  if (node.type === 'object' && isPlainObject(value)) {
    const props = children.map((p) => ({ key: p.children?.[0]?.value as string, valueNode: p.children?.[1] }));
    const sameKeys = props.length === Object.keys(value).length && props.every((p) => p.valueNode && Object.hasOwn(value, p.key));
    if (sameKeys) return props.flatMap((p) => replaceValue(text, p.valueNode!, [...path, p.key], value[p.key], fmt));
  }
  // A different shape: rewrite the whole value. Keep a value that was written on one line on one line.
  const original = text.slice(node.offset, node.offset + node.length);
  if (!original.includes('\n')) return [{ offset: node.offset, length: node.length, content: inlineJson(value) }];
  return modify(text, path, value, { formattingOptions: fmt });
}

/**
 * Insert an absent property into an object written on one line, keeping it on one line (jsonc-parser would
 * reformat the whole object across lines). Missing intermediate objects are created. Undefined when the nearest
 * existing ancestor is not a one-line object: the caller lets jsonc-parser lay it out.
 */
function insertInline(text: string, root: Node, path: JsonPath, value: unknown): Edit | undefined {
  let depth = path.length - 1;
  let parent: Node | undefined;
  while (depth >= 0 && !(parent = findNodeAtLocation(root, path.slice(0, depth)))) depth--;
  if (!parent || parent.type !== 'object' || text.slice(parent.offset, parent.offset + parent.length).includes('\n')) return undefined;
  const rest = path.slice(depth);
  if (rest.some((k) => typeof k !== 'string')) return undefined;
  const [key, ...inner] = rest as string[];
  const nested = inner.reduceRight<unknown>((v, k) => ({ [k]: v }), value);
  const last = parent.children?.at(-1);
  if (!last) return { offset: parent.offset, length: parent.length, content: inlineJson({ [key!]: nested }) };
  return { offset: last.offset + last.length, length: 0, content: `, ${JSON.stringify(key)}: ${inlineJson(nested)}` };
}

/** Indentation and line ending as the document already uses them (first indented line wins; default 2 spaces). */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /^([ \t]+)\S/m.exec(text)?.[1];
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 4, eol };
  return { insertSpaces: true, tabSize: indent ? indent.length : 2, eol };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
