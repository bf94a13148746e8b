/**
 * The webview's side of the host connection: typed postMessage, typed incoming messages, persisted state, and the
 * ready handshake (the host sends the panel's state in answer to `ready`).
 */
import type { CommonFromWebview } from '../../src/protocol/webview';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** When this bundle started running (performance.now(): ms since the webview document started loading). */
export const scriptStartMs = performance.now();

export interface HostConnection<FromWebview, State> {
  post(message: FromWebview | CommonFromWebview): void;
  /** The state saved before a reload or hide, if any. */
  savedState(): State | undefined;
  saveState(state: State): void;
}

/**
 * Install the message listener, then announce readiness. Exceptions in the handler are reported to the host's log
 * and do not break the listener.
 */
export function connectToHost<ToWebview extends { type: string }, FromWebview, State>(
  onMessage: (message: ToWebview) => void,
): HostConnection<FromWebview, State> {
  const api = acquireVsCodeApi();
  const post = (m: FromWebview | CommonFromWebview) => api.postMessage(m);
  const report = (e: unknown) => post({ type: 'webviewError', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
  window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
    try {
      onMessage(event.data);
    } catch (e) {
      report(e);
    }
  });
  window.addEventListener('error', (event) => report(event.error ?? event.message));
  window.addEventListener('unhandledrejection', (event) => report(event.reason));
  post({ type: 'ready' });
  return {
    post,
    savedState: () => (api.getState() as State | undefined) ?? undefined,
    saveState: (s) => api.setState(s),
  };
}
