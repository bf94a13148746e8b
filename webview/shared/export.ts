/**
 * Export of a panel's figure (SVG, PNG) and data (CSV). Browser downloads do nothing inside a webview, so the
 * webview posts the content to the host, which asks where to save it (save dialog) and writes it.
 */
import type { CommonFromWebview, ExportFormat, ExportResult } from '../../src/protocol/webview';

/** Presentation properties copied from computed styles, so the exported SVG looks the same outside VS Code. */
const presentation = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'visibility',
  'display',
] as const;

/**
 * A standalone copy of `svg`: theme colours resolved from the CSS variables into presentation attributes (the
 * CSP forbids style attributes, and attributes are what every SVG reader understands), with a background.
 */
export function standaloneSvg(svg: SVGSVGElement, background: string): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const source = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const target = [clone, ...Array.from(clone.querySelectorAll('*'))];
  source.forEach((el, i) => {
    const computed = getComputedStyle(el);
    for (const p of presentation) {
      const v = computed.getPropertyValue(p);
      if (v) target[i].setAttribute(p, v);
    }
    target[i].removeAttribute('class');
  });
  const { width, height } = svg.getBoundingClientRect();
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(Math.ceil(width)));
  clone.setAttribute('height', String(Math.ceil(height)));
  clone.setAttribute('viewBox', `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`);
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', background);
  clone.insertBefore(bg, clone.firstChild);
  return new XMLSerializer().serializeToString(clone);
}

/** Rasterise standalone SVG text at `scale`× its size; resolves to base64 PNG bytes. */
export async function svgToPngBase64(svgText: string, scale = 2): Promise<string> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the SVG could not be rasterised'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(img.width * scale);
    canvas.height = Math.ceil(img.height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context for the PNG export');
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    return canvas.toDataURL('image/png').slice('data:image/png;base64,'.length);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Sends export requests and resolves each with the host's answer. */
export class Exporter {
  private nextId = 1;
  private readonly pending = new Map<number, (r: ExportResult) => void>();

  constructor(private readonly post: (m: CommonFromWebview) => void) {}

  save(format: ExportFormat, suggestedName: string, data: string): Promise<ExportResult> {
    const requestId = this.nextId++;
    const encoding = format === 'png' ? 'base64' : 'utf8';
    return new Promise((resolve) => {
      this.pending.set(requestId, resolve);
      this.post({ type: 'export', requestId, format, suggestedName, data, encoding });
    });
  }

  /** Feed every `exportResult` message here. */
  settle(result: ExportResult): void {
    this.pending.get(result.requestId)?.(result);
    this.pending.delete(result.requestId);
  }
}

export interface ExportSources {
  /** The figure to export (the visible one). */
  figure(): SVGSVGElement | undefined;
  csv(): string;
  /** Base of the suggested file names, e.g. "char-lm-mlr.diagram". */
  baseName(): string;
  background(): string;
}

/** PNG / SVG / CSV buttons and a status line reporting where the file went. */
export function exportButtons(container: HTMLElement, exporter: Exporter, sources: ExportSources): void {
  const status = document.createElement('span');
  status.className = 'export-status';
  status.setAttribute('role', 'status');
  const run = async (format: ExportFormat) => {
    status.textContent = '';
    const name = `${sources.baseName()}.${format}`;
    let data: string;
    if (format === 'csv') data = sources.csv();
    else {
      const svg = sources.figure();
      if (!svg) return;
      const text = standaloneSvg(svg, sources.background());
      data = format === 'svg' ? text : await svgToPngBase64(text);
    }
    const result = await exporter.save(format, name, data);
    status.textContent =
      result.outcome === 'saved'
        ? `Saved ${result.detail ?? name}`
        : result.outcome === 'failed'
          ? `Export failed: ${result.detail ?? ''}`
          : '';
  };
  for (const format of ['png', 'svg', 'csv'] as const) {
    const b = document.createElement('vscode-button');
    b.setAttribute('secondary', '');
    b.setAttribute('title', `Save the ${format === 'csv' ? 'data as CSV' : `figure as ${format.toUpperCase()}`}`);
    b.textContent = format.toUpperCase();
    b.dataset.export = format;
    b.addEventListener('click', () => void run(format));
    container.append(b);
  }
  container.append(status);
}
