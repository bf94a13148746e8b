/**
 * What every panel's host side shares: the webview set-up (options, HTML with CSP), the ready handshake, export
 * requests, webview error reports and paint timings. A subclass says what its panel's full state is (`snapshot`)
 * and handles its own messages.
 *
 * Handshake: nothing is posted before the webview says `ready`. Instead of queueing messages, the controller
 * answers each `ready` with the panel's whole current state, which also covers a webview that VS Code tore down
 * while its panel was hidden (it reloads and says `ready` again when shown) and one restored after a window reload.
 * While the panel is hidden, updates are not sent (VS Code would drop them); the next `ready` brings it up to date.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { CommonFromWebview, CommonToWebview, PanelKind } from '../../protocol/webview';
import { saveExport } from './exportFile';
import { panelHtml } from './html';
import type { PanelPerf } from './perf';

export interface PanelServices {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  perf: PanelPerf;
}

export abstract class PanelController<ToWebview extends { type: string }, FromWebview extends { type: string }>
  implements vscode.Disposable
{
  private ready = false;
  private painted = false;
  private readonly createdAt = performance.now();
  protected readonly disposables: vscode.Disposable[] = [];
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;

  protected constructor(
    readonly kind: PanelKind,
    readonly panel: vscode.WebviewPanel,
    protected readonly services: PanelServices,
  ) {
    const { webview } = panel;
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(services.extensionUri, 'dist', 'webview')] };
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(services.extensionUri, 'dist', 'webview', `${kind}.js`)).toString(),
      title: panel.title,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: FromWebview | CommonFromWebview) => this.receive(m)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** The messages that rebuild the webview from scratch. */
  protected abstract snapshot(): ToWebview[] | Promise<ToWebview[]>;

  /** Panel-specific messages from the webview. */
  protected abstract onMessage(message: FromWebview): void | Promise<void>;

  /** Post to the webview if it can receive; otherwise the next `ready` resends the state. */
  protected post(message: ToWebview | CommonToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  protected get isReady(): boolean {
    return this.ready;
  }

  private async receive(message: FromWebview | CommonFromWebview): Promise<void> {
    try {
      switch (message.type) {
        case 'ready': {
          this.ready = true;
          for (const m of await this.snapshot()) this.post(m);
          return;
        }
        case 'painted': {
          const m = message as CommonFromWebview & { type: 'painted' };
          this.services.perf.record({
            panel: this.kind,
            first: !this.painted,
            sinceOpenMs: performance.now() - this.createdAt,
            renderMs: m.renderMs,
            sinceLoadMs: m.sinceLoadMs,
            scriptStartMs: m.scriptStartMs,
            content: String(m.content),
          });
          this.painted = true;
          return;
        }
        case 'export': {
          const request = message as CommonFromWebview & { type: 'export' };
          this.post(await saveExport(request, this.exportFolder()));
          return;
        }
        case 'webviewError': {
          this.services.log.error(`[${this.kind} panel] ${(message as CommonFromWebview & { type: 'webviewError' }).message}`);
          return;
        }
        default:
          await this.onMessage(message as FromWebview);
      }
    } catch (e) {
      this.services.log.error(
        `[${this.kind} panel] handling "${message.type}" failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
    }
  }

  /** Where the save dialog starts: the folder of the panel's subject, else the first workspace folder. */
  protected exportFolder(): vscode.Uri | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri;
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  dispose(): void {
    this.disposed.fire();
    this.disposed.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
