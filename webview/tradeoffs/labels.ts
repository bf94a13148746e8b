/**
 * Where the points' names go: beside the point, or a line above or below it, wherever the text does not overlap a
 * label already placed, a point's mark or the chart's edge; a name with no free place is left out (the point's
 * tooltip still gives it). Pure: the caller measures the text, so the rule is unit-tested.
 */
export interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export interface LabelRequest {
  /** The point's position. */
  x: number;
  y: number;
  /** Measured text width in pixels. */
  width: number;
  /** Offsets (in pixels, along y) to try, in order. */
  offsets: readonly number[];
}

export interface PlacedLabel {
  index: number;
  x: number;
  /** Baseline. */
  y: number;
  box: Box;
}

const GAP = 8;
const HALF_HEIGHT = 6.5;

const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/**
 * Place labels in request order (the caller puts the most important first). `obstacles`: boxes no label may cover
 * (other points' marks, the legend). `bounds`: the drawable area.
 */
export function placeLabels(requests: readonly LabelRequest[], obstacles: readonly Box[], bounds: Box): PlacedLabel[] {
  const placed: PlacedLabel[] = [];
  requests.forEach((r, index) => {
    for (const dy of r.offsets) {
      const box = { x0: r.x + GAP, x1: r.x + GAP + r.width, y0: r.y + dy - HALF_HEIGHT, y1: r.y + dy + HALF_HEIGHT };
      if (box.x1 > bounds.x1 || box.y0 < bounds.y0 || box.y1 > bounds.y1) continue;
      if (placed.some((p) => overlaps(p.box, box)) || obstacles.some((o) => overlaps(o, box))) continue;
      placed.push({ index, x: box.x0, y: r.y + dy + 4, box });
      return;
    }
  });
  return placed;
}
