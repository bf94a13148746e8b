/** Checking what a webview asks to export, before any dialog opens. Pure, so it is unit-tested. */
import type { ExportFormat, ExportRequest } from '../../protocol/webview';

export const exportFilters: Record<ExportFormat, Record<string, string[]>> = {
  png: { 'PNG image': ['png'] },
  svg: { 'SVG image': ['svg'] },
  csv: { 'CSV table': ['csv'] },
};

/** The bytes to write, or why the request is malformed (a bug in a panel, reported rather than written). */
export function exportBytes(request: ExportRequest): Uint8Array | string {
  if (!(request.format in exportFilters)) return `unknown export format "${String(request.format)}" (expected png, svg or csv)`;
  if (typeof request.data !== 'string') return `export data must be a string, got ${typeof request.data}`;
  const expected = request.format === 'png' ? 'base64' : 'utf8';
  if (request.encoding !== expected) return `a ${request.format} export must be ${expected}-encoded, got ${String(request.encoding)}`;
  return Buffer.from(request.data, request.encoding);
}

/** A file name for the dialog: the last path segment only, so a webview cannot steer the default folder. */
export function safeFileName(name: string, format: ExportFormat): string {
  // Control characters are replaced on purpose: a file name must not hold them.
  // eslint-disable-next-line no-control-regex
  const unsafe = /[\u0000-\u001f<>:"|?*]/g;
  const last = name.split(/[\\/]/).pop()?.replace(unsafe, '_').trim() || 'export';
  return last.toLowerCase().endsWith(`.${format}`) ? last : `${last}.${format}`;
}
