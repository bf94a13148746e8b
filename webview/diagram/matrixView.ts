/**
 * The scoring matrix as blocks on its diagonal: every level's blocks, coarse levels below fine ones, coloured by
 * rank or cost. Hovering reads out every block covering the pointed entry (for MLR over the sequence, the levels
 * a (query, key) pair shares and the rank they give it together).
 */
import * as d3 from 'd3';
import { shortCount } from '../../src/core/format';
import { blocksAt, layoutBlocks, stackedValue, type LayoutBlock, type LayoutLevel } from '../../src/core/layout/scoring';
import type { DiagramGroup } from '../../src/protocol/webview';
import type { ThemeColours } from '../shared/theme';
import type { Tooltip } from '../shared/tooltip';
import { colourScale } from './colour';

export interface MatrixOptions {
  group: DiagramGroup;
  /** -1: all levels. */
  level: number;
  colourBy: 'rank' | 'macs';
  width: number;
  height: number;
  theme: ThemeColours;
  tooltip: Tooltip;
}

const margin = { top: 36, right: 16, bottom: 16, left: 56 };
const legendWidth = 140;

/** Levels with more blocks than this, or blocks under 1.5 px, are drawn as one band along the diagonal. */
const maxBlocksDrawn = 2048;

export function levelValue(lv: LayoutLevel, colourBy: 'rank' | 'macs'): number {
  return colourBy === 'rank' ? lv.blockRank : lv.blockMacs;
}

export function drawMatrix(svgEl: SVGSVGElement, o: MatrixOptions): void {
  const { layout } = o.group;
  const svg = d3.select(svgEl);
  svg.selectChildren().remove();
  const side = Math.max(160, Math.min(o.width - margin.left - margin.right - legendWidth, o.height - margin.top - margin.bottom));
  const totalWidth = margin.left + side + legendWidth + margin.right;
  svg
    .attr('width', totalWidth)
    .attr('height', margin.top + side + margin.bottom)
    .attr('role', 'img');
  svg.attr(
    'aria-label',
    `${layout.size}×${layout.size} ${layout.space === 'sequence' ? 'sequence' : 'feature'} scoring matrix, ${layout.levels.length} level${layout.levels.length > 1 ? 's' : ''}`,
  );

  const s = d3.scaleLinear([0, layout.size], [0, side]);
  const plot = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  plot.append('rect').attr('class', 'matrix-frame').attr('width', side).attr('height', side);

  // One level: its blocks and their own value. All levels: largest blocks first, each coloured by the sum over the
  // levels covering it (stackedValue), so every visible region shows what the pairs in it get from all levels.
  const pick = (lv: LayoutLevel) => levelValue(lv, o.colourBy);
  const order = layout.levels
    .map((_, l) => l)
    .filter((l) => o.level < 0 || l === o.level)
    .sort((a, b) => layout.levels[b].blockSize - layout.levels[a].blockSize);
  const valueOf = (b: LayoutBlock) => (o.level < 0 ? stackedValue(layout, b, pick) : pick(layout.levels[b.level]));
  const drawnAsRects = (l: number) => layout.levels[l].blocks <= maxBlocksDrawn && s(layout.levels[l].blockSize) - s(0) >= 1.5;
  const marks = order.map((l) => ({ level: l, blocks: drawnAsRects(l) ? layoutBlocks(layout, l) : layoutBlocks(layout, l).slice(0, 1) }));
  const colour = colourScale(
    marks.flatMap((m) => m.blocks.map(valueOf)),
    o.theme,
  );

  const blocks = plot.append('g').attr('class', 'blocks');
  for (const { level: l, blocks: list } of marks) {
    const px = s(layout.levels[l].blockSize) - s(0);
    const drawn = drawnAsRects(l)
      ? blocks
          .selectAll(`rect[data-level="${l}"]`)
          .data(list)
          .join('rect')
          .attr('class', 'block')
          .attr('data-level', l)
          .attr('x', (b) => s(b.start))
          .attr('y', (b) => s(b.start))
          .attr('width', px)
          .attr('height', px)
          .attr('fill', (b) => colour(valueOf(b)))
      : // Sub-pixel blocks: the band |i − j| < T_l around the diagonal that their union fills.
        blocks
          .append('path')
          .attr('class', 'block band')
          .attr('data-level', l)
          .attr('d', `M0,0L${px},0L${side},${side - px}L${side},${side}L${side - px},${side}L0,${px}Z`)
          .attr('fill', colour(valueOf(list[0])));
    if (o.theme.contrastBorder)
      (drawn as unknown as d3.Selection<d3.BaseType, unknown, null, undefined>).attr('stroke', o.theme.contrastBorder);
  }

  if (layout.space === 'sequence') {
    // Causality masks the upper triangle (j > i); the blocks are still computed there, as the reference does.
    plot.append('path').attr('class', 'causal-mask').attr('d', `M0,0L${side},0L${side},${side}Z`);
  }

  const axisName = layout.space === 'sequence' ? ['keys j', 'queries i'] : ['input features', 'output features'];
  const ticks = Math.max(2, Math.min(8, Math.floor(side / 70)));
  plot
    .append('g')
    .attr('class', 'axis')
    .call(d3.axisTop(s).ticks(ticks).tickFormat(d3.format('~s')));
  plot
    .append('g')
    .attr('class', 'axis')
    .call(d3.axisLeft(s).ticks(ticks).tickFormat(d3.format('~s')));
  plot
    .append('text')
    .attr('class', 'axis-label')
    .attr('x', side / 2)
    .attr('y', -24)
    .attr('text-anchor', 'middle')
    .text(axisName[0]);
  plot
    .append('text')
    .attr('class', 'axis-label')
    .attr('transform', `translate(${-40},${side / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(axisName[1]);

  drawLegend(svg.append('g').attr('transform', `translate(${margin.left + side + 28},${margin.top})`), colour, Math.min(side, 240), o);

  const highlight = plot.append('g').attr('class', 'highlight');
  const unit = layout.macsUnit;
  plot
    .append('rect')
    .attr('class', 'hit-area')
    .attr('width', side)
    .attr('height', side)
    .on('pointermove', (event: PointerEvent) => {
      const [px, py] = d3.pointer(event);
      const col = Math.min(layout.size - 1, Math.max(0, Math.floor(s.invert(px))));
      const row = Math.min(layout.size - 1, Math.max(0, Math.floor(s.invert(py))));
      const covering = blocksAt(layout, row, col).filter((b) => o.level < 0 || b.level === o.level);
      highlight
        .selectAll('rect')
        .data(covering)
        .join('rect')
        .attr('x', (b) => s(b.start))
        .attr('y', (b) => s(b.start))
        .attr('width', (b) => s(b.size) - s(0))
        .attr('height', (b) => s(b.size) - s(0));
      const where =
        layout.space === 'sequence'
          ? `query i = ${row}, key j = ${col}${col > row ? ' (masked: j > i)' : ''}`
          : `output feature ${row}, input feature ${col}`;
      const lines = covering.map((b) => {
        const lv = layout.levels[b.level];
        return `level ${b.level} · block ${b.index + 1}/${lv.blocks} · ${b.size}×${b.size} · rank ${b.rank}${lv.requestedRank > b.rank ? ` (of ${lv.requestedRank})` : ''} · ${shortCount(b.macs)} MACs`;
      });
      if (!covering.length) lines.push('outside every block: no score (0)');
      else {
        if (covering.length > 1)
          lines.push(
            `${layout.space === 'sequence' ? 'this pair shares' : 'this entry sums'} ${covering.length} levels: rank ${covering.reduce((t, b) => t + b.rank, 0)} together`,
          );
        lines.push(`MACs: ${unit}`);
      }
      o.tooltip.show([where, ...lines], event.clientX, event.clientY);
    })
    .on('pointerleave', () => {
      highlight.selectAll('rect').remove();
      o.tooltip.hide();
    });

  if (layout.window)
    drawWindowInset(
      svg.append('g').attr('transform', `translate(${margin.left + side + 28},${margin.top + Math.min(side, 240) + 56})`),
      layout.window,
    );
}

function drawLegend(
  g: d3.Selection<SVGGElement, unknown, null, undefined>,
  colour: ReturnType<typeof colourScale>,
  height: number,
  o: MatrixOptions,
): void {
  const id = 'legend-gradient';
  const gradient = g.append('defs').append('linearGradient').attr('id', id).attr('x1', 0).attr('x2', 0).attr('y1', 1).attr('y2', 0);
  const [lo, hi] = colour.domain;
  // Stops sampled evenly along the legend's own axis (log or linear), so bar and ticks agree.
  const at = (t: number) => (colour.log ? lo * (hi / lo) ** t : lo + t * (hi - lo));
  for (let t = 0; t <= 1.0001; t += 0.1)
    gradient
      .append('stop')
      .attr('offset', t)
      .attr('stop-color', colour(at(t)));
  const what = o.colourBy === 'rank' ? 'rank' : 'MACs';
  // Two short lines: one line ("rank, levels summed") is wider than the legend's column and was clipped.
  const title = g.append('text').attr('class', 'axis-label legend-title').attr('y', -22);
  title
    .append('tspan')
    .attr('x', 0)
    .text(o.level < 0 ? what : `${what} / block`);
  if (o.level < 0) title.append('tspan').attr('x', 0).attr('dy', 12).text('levels summed');
  g.append('rect').attr('class', 'legend-bar').attr('width', 12).attr('height', height).attr('fill', `url(#${id})`);
  const axisScale = (colour.log ? d3.scaleLog([lo, hi], [height, 0]) : d3.scaleLinear([lo, hi], [height, 0])) as d3.ScaleContinuousNumeric<
    number,
    number
  >;
  g.append('g')
    .attr('class', 'axis')
    .attr('transform', 'translate(12,0)')
    .call(
      d3
        .axisRight(axisScale)
        .tickValues(legendTicks(lo, hi, colour.log))
        .tickFormat((v) => shortCount(Number(v))),
    );
}

/** A few legend ticks: the ends and, on a log scale, the powers of ten between them. */
function legendTicks(lo: number, hi: number, log: boolean): number[] {
  if (lo === hi) return [lo];
  const inner = log ? d3.range(Math.ceil(Math.log10(lo)), Math.floor(Math.log10(hi)) + 1).map((e) => 10 ** e) : d3.ticks(lo, hi, 3);
  // Drop inner ticks that would crowd an end.
  const far = (v: number) =>
    log
      ? Math.abs(Math.log10(v / lo)) > 0.15 && Math.abs(Math.log10(hi / v)) > 0.15
      : Math.abs(v - lo) > (hi - lo) * 0.1 && Math.abs(hi - v) > (hi - lo) * 0.1;
  return [lo, ...inner.filter(far), hi];
}

/** Sliding-window heads: the causal window over the sequence that masks the logits (not part of W). */
function drawWindowInset(g: d3.Selection<SVGGElement, unknown, null, undefined>, w: { size: number; seqLen: number }): void {
  const side = 72;
  const s = d3.scaleLinear([0, w.seqLen], [0, side]);
  g.append('text').attr('class', 'axis-label').attr('y', -8).text(`window ${w.size} of T ${w.seqLen}`);
  g.append('rect').attr('class', 'matrix-frame').attr('width', side).attr('height', side);
  // Allowed pairs: 0 ≤ i − j ≤ w, the band between the diagonal and the line i = j + w.
  const k = s(Math.min(w.size, w.seqLen));
  g.append('path')
    .attr('class', 'window-band')
    .attr('d', `M0,0L${side},${side}L${side - k},${side}L0,${k}Z`);
}
