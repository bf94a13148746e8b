/**
 * Where the points' names go: right of the point, else left of it, on its line or a line above or below, wherever
 * the text overlaps no label already placed, no point's mark, no line (the Pareto front) and not the chart's edge. A
 * long name (several points at one place) may fall back to a shorter variant ("a +2"); a name with no free place is
 * left out, and the point's tooltip still gives it. Pure: the caller measures the text, so the rule is unit-tested.
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
  /** Measured widths in pixels of the texts to try, longest (preferred) first. */
  widths: readonly number[];
  /** Offsets (in pixels, along y) to try, in order. */
  offsets: readonly number[];
}

export interface PlacedLabel {
  index: number;
  /** Which of the request's texts was placed. */
  variant: number;
  /** Start of the text (it is drawn left-aligned). */
  x: number;
  /** Baseline. */
  y: number;
  box: Box;
}

const GAP = 8;
const HALF_HEIGHT = 6.5;

export const overlaps = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/**
 * Place labels in request order (the caller puts the most important first). `obstacles`: boxes no label may cover
 * (marks, line segments, the legend). `bounds`: the drawable area.
 */
export function placeLabels(requests: readonly LabelRequest[], obstacles: readonly Box[], bounds: Box): PlacedLabel[] {
  const placed: PlacedLabel[] = [];
  const free = (box: Box) =>
    box.x0 >= bounds.x0 &&
    box.x1 <= bounds.x1 &&
    box.y0 >= bounds.y0 &&
    box.y1 <= bounds.y1 &&
    !placed.some((p) => overlaps(p.box, box)) &&
    !obstacles.some((o) => overlaps(o, box));
  requests.forEach((r, index) => {
    for (const [variant, width] of r.widths.entries()) {
      for (const side of [1, -1]) {
        for (const dy of r.offsets) {
          const x0 = side > 0 ? r.x + GAP : r.x - GAP - width;
          const box = { x0, x1: x0 + width, y0: r.y + dy - HALF_HEIGHT, y1: r.y + dy + HALF_HEIGHT };
          if (!free(box)) continue;
          placed.push({ index, variant, x: x0, y: r.y + dy + 4, box });
          return;
        }
      }
    }
  });
  return placed;
}

/** Thin boxes along a polyline's segments (the Pareto staircase), so labels do not sit on the line. */
export function segmentBoxes(points: readonly (readonly [number, number])[], halfWidth = 2): Box[] {
  const boxes: Box[] = [];
  for (let i = 1; i < points.length; i++) {
    const [ax, ay] = points[i - 1]!;
    const [bx, by] = points[i]!;
    boxes.push({
      x0: Math.min(ax, bx) - halfWidth,
      x1: Math.max(ax, bx) + halfWidth,
      y0: Math.min(ay, by) - halfWidth,
      y1: Math.max(ay, by) + halfWidth,
    });
  }
  return boxes;
}
