/** How a head group is named in the lens, the hover and the diagram: "heads 0–3 · mlr", "all 8 heads · dense". */
export function groupLabel(group: { heads: number; firstHead: number; kind: string }, totalHeads: number): string {
  const heads =
    group.heads === totalHeads
      ? `all ${totalHeads} heads`
      : group.heads === 1
        ? `head ${group.firstHead}`
        : `heads ${group.firstHead}–${group.firstHead + group.heads - 1}`;
  return `${heads} · ${group.kind}`;
}
