// The web workbench's URL. code-server's CLI rejects --extensionDevelopmentPath, but the workbench reads
// the same options from the `payload` query parameter: a JSON list of [name, value] pairs whose paths are
// vscode-remote URIs on the server.

export interface WorkbenchTarget {
  /** Absolute folder on the server to open as the workspace. */
  folder?: string;
  /** Absolute path of an extension folder loaded as a development extension (no install needed). */
  extensionDevelopmentPath?: string;
  /** Absolute path of a CommonJS module exporting `run(): Promise<void>`; its result ends the session. */
  extensionTestsPath?: string;
}

/** vscode-remote://HOST:PORT/ABS/PATH, each path segment percent-encoded. */
export function remoteUri(origin: string, absolutePath: string): string {
  if (!absolutePath.startsWith('/')) throw new Error(`expected an absolute path, got "${absolutePath}"`);
  const encoded = absolutePath.split('/').map(encodeURIComponent).join('/');
  return `vscode-remote://${new URL(origin).host}${encoded}`;
}

export function workbenchUrl(origin: string, target: WorkbenchTarget): string {
  const params = new URLSearchParams();
  if (target.folder) params.set('folder', target.folder);
  const payload: [string, string][] = [];
  if (target.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remoteUri(origin, target.extensionDevelopmentPath)]);
  if (target.extensionTestsPath) payload.push(['extensionTestsPath', remoteUri(origin, target.extensionTestsPath)]);
  if (payload.length > 0) params.set('payload', JSON.stringify(payload));
  const query = params.toString();
  return `${origin}/${query ? `?${query}` : ''}`;
}
