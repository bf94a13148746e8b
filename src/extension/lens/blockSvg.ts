/**
 * A small picture of a scoring matrix's block structure for the hover, as standalone SVG text (shown as a data:
 * image, so it cannot read theme variables: colours come from a palette picked by the theme kind). Levels are
 * layered with partial opacity, so an entry shared by more levels is darker: for MLR over the sequence, nearby
 * tokens visibly get more rank.
 */
import { layoutBlocks, type ScoringLayout } from '../../core/layout/scoring';

export interface HoverPalette {
  background: string;
  block: string;
  frame: string;
  /** Border drawn around every block (high-contrast themes); undefined for none. */
  blockStroke?: string;
}

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** VS Code's default chart blue on each background; high contrast gets a white/black border on every block. */
export const hoverPalettes: Record<ThemeKind, HoverPalette> = {
  light: { background: '#ffffff', block: '#1a85ff', frame: '#616161' },
  dark: { background: '#1e1e1e', block: '#3794ff', frame: '#8b8b8b' },
  'high-contrast': { background: '#000000', block: '#3794ff', frame: '#ffffff', blockStroke: '#ffffff' },
  'high-contrast-light': { background: '#ffffff', block: '#0f4a85', frame: '#292929', blockStroke: '#292929' },
};

/** Levels with more blocks than this, or blocks under 1.5 px, are drawn as the band their union fills. */
const MAX_BLOCKS_DRAWN = 512;

const fmt = (v: number) => (Math.round(v * 100) / 100).toString();

export function blockSvg(layout: ScoringLayout, palette: HoverPalette, side = 140): string {
  const scale = side / layout.size;
  const opacity = layout.levels.length > 1 ? Math.max(0.2, Math.min(0.45, 1.2 / layout.levels.length)) : 0.75;
  const stroke = palette.blockStroke ? ` stroke="${palette.blockStroke}" stroke-width="0.5"` : '';
  const marks: string[] = [];
  layout.levels.forEach((lv, l) => {
    const px = lv.blockSize * scale;
    if (lv.blocks <= MAX_BLOCKS_DRAWN && px >= 1.5) {
      for (const b of layoutBlocks(layout, l)) {
        marks.push(
          `<rect x="${fmt(b.start * scale)}" y="${fmt(b.start * scale)}" width="${fmt(px)}" height="${fmt(px)}" fill="${palette.block}" fill-opacity="${opacity}"${stroke}/>`,
        );
      }
    } else {
      const p = fmt(px);
      marks.push(
        `<path d="M0,0L${p},0L${side},${fmt(side - px)}L${side},${side}L${fmt(side - px)},${side}L0,${p}Z" fill="${palette.block}" fill-opacity="${opacity}"${stroke}/>`,
      );
    }
  });
  // Causality masks the upper triangle of sequence logits.
  const mask =
    layout.space === 'sequence' ? `<path d="M0,0L${side},0L${side},${side}Z" fill="${palette.background}" fill-opacity="0.55"/>` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${side + 2}" height="${side + 2}" viewBox="-1 -1 ${side + 2} ${side + 2}">` +
    `<rect x="-1" y="-1" width="${side + 2}" height="${side + 2}" fill="${palette.background}"/>` +
    marks.join('') +
    mask +
    `<rect width="${side}" height="${side}" fill="none" stroke="${palette.frame}"/>` +
    `</svg>`
  );
}

/** The SVG as a data: URI for a Markdown image (base64: spaces and quotes would break the Markdown link). */
export function svgDataUri(svg: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}
