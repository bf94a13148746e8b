/**
 * The HTML shell of every panel. Pure (no vscode import) so the policy is unit-tested.
 *
 * The Content Security Policy allows only the panel's own bundle (by nonce) and the extension's resources:
 * no inline scripts, no eval, no inline styles (styles are constructable stylesheets built from CSS the bundle
 * ships), images from the extension and from data:/blob: URLs (the PNG export rasterises an SVG blob).
 */
export interface PanelHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  /** webview.asWebviewUri of dist/webview/<panel>.js */
  scriptUri: string;
  title: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data: blob:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function panelHtml(o: PanelHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(o.title)}</title>
</head>
<body>
<main id="app"></main>
<script nonce="${escapeHtml(o.nonce)}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>`;
}
