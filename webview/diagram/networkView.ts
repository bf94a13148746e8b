/**
 * Tensor-network view of a feature-space scoring matrix: one row per level, each showing its two cores with their
 * index legs. Row legs (α, β) leave to the left, column legs (γ, δ) to the right, σ joins the cores. β and γ are
 * carried by both cores: they meet in a dot (a copy tensor) before leaving. Size-1 legs are drawn dashed.
 */
import * as d3 from 'd3';
import { exactCount } from '../../src/core/format';
import type { TensorNetwork, TnLeg } from '../../src/core/layout/tensorNetwork';
import type { DiagramGroup } from '../../src/protocol/webview';
import type { Tooltip } from '../shared/tooltip';

const rowHeight = 190;
const coreRadius = 22;

interface Point {
  x: number;
  y: number;
}

export function drawNetwork(svgEl: SVGSVGElement, group: DiagramGroup, level: number, width: number, tooltip: Tooltip): void {
  const svg = d3.select(svgEl);
  svg.selectChildren().remove();
  const networks = group.networks ?? [];
  const rows = networks.map((n, i) => ({ n, i })).filter(({ i }) => level < 0 || i === level);
  const w = Math.max(440, Math.min(width, 760));
  // Open legs reach out to the sides, leaving room for their labels.
  const reach = Math.min(200, w / 2 - 70);
  svg
    .attr('width', w)
    .attr('height', Math.max(1, rows.length) * rowHeight + 10)
    .attr('role', 'img');
  svg.attr('aria-label', `tensor network of ${rows.length} level${rows.length === 1 ? '' : 's'}`);
  if (!rows.length) {
    svg
      .attr('height', 40)
      .append('text')
      .attr('class', 'empty-note')
      .attr('x', 0)
      .attr('y', 24)
      .text('Sequence-space MLR has no weight cores: its blocks are products of token queries and keys. Use the matrix view.');
    return;
  }
  rows.forEach(({ n, i }, row) => {
    const g = svg
      .append('g')
      .attr('class', 'network')
      .attr('data-level', i)
      .attr('transform', `translate(0,${row * rowHeight})`);
    const lv = group.layout.levels[i];
    const caption = `${lv.label} · each ${lv.blockSize}×${lv.blockSize}`;
    g.append('text')
      .attr('class', 'network-caption')
      .attr('x', 8)
      .attr('y', 18)
      .text(`${row > 0 ? '+ ' : ''}${caption}`);
    drawLevel(g.append('g').attr('transform', `translate(${w / 2},${rowHeight / 2 + 12})`), n, reach, tooltip);
  });
}

function drawLevel(g: d3.Selection<SVGGElement, unknown, null, undefined>, n: TensorNetwork, reach: number, tooltip: Tooltip): void {
  const [left, right] = n.cores;
  const pos: Record<string, Point> =
    n.cores.length === 2 && left.id === 'A'
      ? { A: { x: 0, y: -36 }, B: { x: 0, y: 36 } }
      : { [left.id]: { x: -80, y: 0 }, [right.id]: { x: 80, y: 0 } };
  const legs = g.append('g').attr('class', 'legs');
  const labels = g.append('g');
  const line = (from: Point, to: Point, leg: TnLeg) =>
    legs
      .append('line')
      .attr('class', `leg${leg.trivial ? ' trivial' : ''}`)
      .attr('x1', from.x)
      .attr('y1', from.y)
      .attr('x2', to.x)
      .attr('y2', to.y);
  const label = (at: Point, leg: TnLeg, anchor: 'start' | 'middle' | 'end') =>
    labels
      .append('text')
      .attr('class', `leg-label${leg.trivial ? ' trivial' : ''}`)
      .attr('x', at.x)
      .attr('y', at.y)
      .attr('text-anchor', anchor)
      .attr('dominant-baseline', 'middle')
      .text(`${leg.index} ${leg.name}=${leg.dim}`);

  for (const leg of n.legs) {
    const ends = leg.cores.map((c) => pos[c]);
    if (leg.side === 'contracted') {
      line(ends[0], ends[1], leg);
      label({ x: (ends[0].x + ends[1].x) / 2, y: ends[0].y - 12 }, leg, 'middle');
      continue;
    }
    const dir = leg.side === 'out' ? -1 : 1;
    if (ends.length === 1) {
      // A leg of one core: straight out to its side.
      const from = ends[0];
      const yOff = n.cores.length === 2 && left.id === 'A' ? 0 : leg.side === 'out' ? -14 : 14;
      const to = { x: from.x + dir * Math.max(60, reach - 80), y: from.y + yOff };
      line(from, to, leg);
      label({ x: to.x + dir * 6, y: to.y }, leg, dir < 0 ? 'end' : 'start');
    } else {
      // Shared by both cores: a copy-tensor dot between them, above for β (rows), below for γ (columns).
      const hub = { x: 0, y: leg.side === 'out' ? -62 : 62 };
      for (const e of ends) line(e, hub, leg);
      const to = { x: dir * reach, y: hub.y };
      line(hub, to, leg);
      legs
        .append('circle')
        .attr('class', `hub${leg.trivial ? ' trivial' : ''}`)
        .attr('cx', hub.x)
        .attr('cy', hub.y)
        .attr('r', 3.5);
      label({ x: to.x + dir * 6, y: to.y }, leg, dir < 0 ? 'end' : 'start');
    }
  }

  const cores = g
    .append('g')
    .selectAll('g')
    .data(n.cores)
    .join('g')
    .attr('class', 'core')
    .attr('transform', (c) => `translate(${pos[c.id].x},${pos[c.id].y})`);
  cores.append('circle').attr('r', coreRadius);
  cores
    .append('text')
    .attr('class', 'core-name')
    .attr('text-anchor', 'middle')
    .attr('dominant-baseline', 'central')
    .text((c) => c.id);
  cores
    .append('text')
    .attr('class', 'core-shape')
    .attr('text-anchor', 'middle')
    .attr('y', (c) => (pos[c.id].y < 0 && c.id === 'A' ? -coreRadius - 8 : coreRadius + 14))
    .text((c) => c.shape.join('×'));
  cores
    .on('pointermove', (event: PointerEvent, c) => {
      tooltip.show(
        [
          `core ${c.id}[${c.legs.map((l) => n.legs.find((x) => x.name === l)!.index).join(',')}]`,
          `shape ${c.shape.join(' × ')}`,
          `${exactCount(c.params)} entries per block${n.blocks > 1 ? `, ×${n.blocks} blocks` : ''}`,
        ],
        event.clientX,
        event.clientY,
      );
    })
    .on('pointerleave', () => tooltip.hide());
}
