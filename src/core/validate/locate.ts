/**
 * Placing problems in the text: from a JSON path to the exact node, and from offsets to line/column.
 */
import type { Node } from 'jsonc-parser';
import { keyProblemCodes } from './codes';
import type { JsonPath, LocatedProblem, Problem } from './types';

/** Zero-based line and column (UTF-16 code units, as editors count) of an offset. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      } else if (c === 10 /* \n */) this.starts.push(i + 1);
    }
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: offset - this.starts[lo]! };
  }
}

/**
 * The node at `path`. Where a key repeats, the last occurrence wins, as it does for the parsed value (jsonc-parser's
 * findNodeAtLocation would return the first, which is not the one that was validated).
 */
export function findNode(root: Node, path: JsonPath): Node | undefined {
  let node: Node | undefined = root;
  for (const seg of path) {
    if (!node?.children) return undefined;
    if (node.type === 'object' && typeof seg === 'string') {
      let found: Node | undefined;
      for (const prop of node.children) if (prop.children?.[0]?.value === seg) found = prop.children[1];
      node = found;
    } else if (node.type === 'array' && typeof seg === 'number') {
      node = node.children[seg];
    } else return undefined;
  }
  return node;
}

/** The key node of the property whose value is `node`, if it is a property value. */
function keyOf(node: Node): Node | undefined {
  return node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
}

/**
 * Where to show a problem: the offending value's node; for problems about a property name, its key; for a value
 * that is absent, the key of the closest enclosing property, or the enclosing list item, or the opening brace of
 * the root object (so a missing top-level property does not underline the whole file).
 */
export function locate(root: Node, problem: Problem, lines: LineIndex): LocatedProblem {
  let span: { offset: number; length: number } = { offset: root.offset, length: Math.min(1, root.length) };
  const node = findNode(root, problem.path);
  if (node) {
    const target = keyProblemCodes.has(problem.code) ? (keyOf(node) ?? node) : node;
    span = { offset: target.offset, length: target.length };
  } else {
    for (let k = problem.path.length - 1; k >= 0; k--) {
      const ancestor = findNode(root, problem.path.slice(0, k));
      if (!ancestor) continue;
      const key = keyOf(ancestor);
      if (key) span = { offset: key.offset, length: key.length };
      else if (ancestor.parent)
        span = { offset: ancestor.offset, length: ancestor.length }; // a list item: the item
      else span = { offset: ancestor.offset, length: Math.min(1, ancestor.length) }; // the root: its first character
      break;
    }
  }
  return { ...problem, ...span, ...lines.position(span.offset) };
}
