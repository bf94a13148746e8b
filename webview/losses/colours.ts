/**
 * A colour per run that stays with it: a run keeps the colour it was first shown in while other runs come and go
 * (a finished run leaving the list must not repaint every other curve), and a newly shown run takes the first
 * colour no shown run has, so runs on screen never share one while the palette lasts. Pure (indices into the
 * theme's series colours), unit-tested.
 */
export class RunColours {
  private readonly assigned = new Map<string, number>();

  constructor(private readonly paletteSize: number) {}

  /**
   * The colour index of each of `shown` (in that order). A run keeps its index unless another shown run held it
   * first; a run without one gets the lowest index no shown run uses (cycling only beyond the palette).
   */
  indices(shown: readonly string[]): number[] {
    const taken = new Set<number>();
    const out = new Array<number>(shown.length);
    shown.forEach((id, i) => {
      const own = this.assigned.get(id);
      if (own !== undefined && !taken.has(own)) {
        taken.add(own);
        out[i] = own;
      }
    });
    shown.forEach((id, i) => {
      if (out[i] !== undefined) return;
      let c = 0;
      while (taken.has(c) && c < this.paletteSize) c++;
      if (c >= this.paletteSize) c = i % this.paletteSize; // more runs than colours: dashes tell them apart
      taken.add(c);
      this.assigned.set(id, c);
      out[i] = c;
    });
    return out;
  }

  /** The index a run was given, for the run list's swatches (undefined: never shown). */
  of(id: string): number | undefined {
    return this.assigned.get(id);
  }
}
