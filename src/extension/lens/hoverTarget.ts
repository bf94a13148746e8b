/**
 * Where the structure hover (the block picture and its table) shows: on the `attention` key (every head group) and
 * on a structure's `kind` (that structure's group), and nowhere else inside `attention`, so that hovering a field
 * such as `ranks` shows that field's documentation (VS Code's JSON service) instead of a picture that hides it.
 * Inside a per-layer `pattern`, a `kind` shows its entry's structure.
 * Pure, unit-tested.
 */
import type { Node } from 'jsonc-parser';

export interface HoverTarget {
  /** The pattern entry the hover is in (its layer structure), or undefined for every layer. */
  entry?: number;
  /** The head groups to show: every one, or one group's index. */
  groups: 'all' | number;
  /** The span the hover belongs to. */
  start: number;
  end: number;
}

const within = (n: Node, offset: number) => offset >= n.offset && offset <= n.offset + n.length;

/** The `kind` property of an attention object, when `offset` is on its key or value. */
function onKind(structure: Node | undefined, offset: number): Node | undefined {
  if (structure?.type !== 'object') return undefined;
  return structure.children?.find((p) => p.children?.[0]?.value === 'kind' && within(p, offset));
}

export function hoverTarget(root: Node | undefined, offset: number): HoverTarget | undefined {
  const property = root?.type === 'object' ? root.children?.find((p) => p.children?.[0]?.value === 'attention') : undefined;
  const key = property?.children?.[0];
  if (!property || !key) return undefined;
  if (within(key, offset)) return { groups: 'all', start: key.offset, end: key.offset + key.length };
  const value = property.children?.[1];
  const pattern = value?.type === 'object' ? value.children?.find((p) => p.children?.[0]?.value === 'pattern')?.children?.[1] : undefined;
  if (pattern?.type === 'array') {
    const entry = pattern.children?.findIndex((e) => within(e, offset)) ?? -1;
    const target = entry >= 0 ? layerTarget(pattern.children![entry], offset) : undefined;
    return target && { entry, ...target };
  }
  return layerTarget(value, offset);
}

/** Within one layer's attention (a structure or a list of head groups). */
function layerTarget(value: Node | undefined, offset: number): HoverTarget | undefined {
  if (value?.type === 'array') {
    const index = value.children?.findIndex((e) => within(e, offset)) ?? -1;
    const kind = index >= 0 ? onKind(value.children![index], offset) : undefined;
    return kind ? { groups: index, start: kind.offset, end: kind.offset + kind.length } : undefined;
  }
  const kind = onKind(value, offset);
  return kind ? { groups: 'all', start: kind.offset, end: kind.offset + kind.length } : undefined;
}
