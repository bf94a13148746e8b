/**
 * Compute / rank trade-offs: every *.mlbtc.json of the workspace as a point (MACs against scoring rank or
 * parameters), with the Pareto front; clicking a point opens its file. Follows the workspace: files created,
 * changed (on disk or in an editor) or deleted update the chart (debounced).
 */
import * as vscode from 'vscode';
import { analyze } from '../../../core/analysis';
import type { SkippedFile, TradeoffPoint, TradeoffsFromWebview, TradeoffsToWebview } from '../../../protocol/webview';
import { baseName, isStructureDocument, STRUCTURE_SUFFIX } from '../../structures/structureFiles';
import { validateSafely } from '../../structures/validation';
import { PanelController, type PanelServices } from '../panelController';
import { skipReason, tradeoffPoint } from './points';

export const TRADEOFFS_VIEW_TYPE = 'mlbtc.tradeoffs';
const GLOB = `**/*${STRUCTURE_SUFFIX}`;
const EXCLUDE = '**/{node_modules,.git,.mlbtc}/**';
/** Files considered at most; a workspace with more shows the first ones found and says so. */
const MAX_FILES = 2000;
const DEBOUNCE_MS = 300;

/** Points beyond the workspace's files: finished runs with their final loss (the scaling view). */
export interface RunPointSource {
  points(): TradeoffPoint[];
  onDidChange(listener: () => void): { dispose(): void };
}

export class TradeoffsPanel extends PanelController<TradeoffsToWebview, TradeoffsFromWebview> {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    panel: vscode.WebviewPanel,
    services: PanelServices,
    private readonly runs?: RunPointSource,
  ) {
    super('tradeoffs', panel, services);
    const watcher = vscode.workspace.createFileSystemWatcher(GLOB);
    const later = () => this.schedule();
    this.disposables.push(
      watcher,
      watcher.onDidCreate(later),
      watcher.onDidChange(later),
      watcher.onDidDelete(later),
      vscode.workspace.onDidChangeTextDocument((e) => isStructureDocument(e.document) && later()),
      { dispose: () => clearTimeout(this.timer) },
      ...(runs ? [runs.onDidChange(later)] : []),
    );
  }

  static create(services: PanelServices, runs?: RunPointSource): TradeoffsPanel {
    const panel = vscode.window.createWebviewPanel(TRADEOFFS_VIEW_TYPE, 'Trade-offs', { viewColumn: vscode.ViewColumn.Active }, {});
    return new TradeoffsPanel(panel, services, runs);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => this.isReady && this.post(await this.points()), DEBOUNCE_MS);
  }

  protected async snapshot(): Promise<TradeoffsToWebview[]> {
    return [await this.points()];
  }

  protected async onMessage(message: TradeoffsFromWebview): Promise<void> {
    if (message.type === 'openFile') await vscode.window.showTextDocument(vscode.Uri.parse(message.uri, true), { preview: true });
  }

  /** Analyse every structure file; an open editor's unsaved text wins over the file on disk. */
  private async points(): Promise<TradeoffsToWebview> {
    const uris = await vscode.workspace.findFiles(GLOB, EXCLUDE, MAX_FILES);
    const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
    const points: TradeoffPoint[] = [];
    const skipped: SkippedFile[] = [];
    await Promise.all(
      uris.map(async (uri) => {
        const fileName = baseName(uri);
        let text: string;
        try {
          text = open.get(uri.toString())?.getText() ?? new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        } catch (e) {
          skipped.push({ uri: uri.toString(), fileName, reason: `cannot be read: ${e instanceof Error ? e.message : String(e)}` });
          return;
        }
        const { spec, problems } = validateSafely(text);
        if (!spec) skipped.push({ uri: uri.toString(), fileName, reason: skipReason(problems) });
        else points.push(tradeoffPoint(uri.toString(), vscode.workspace.asRelativePath(uri), 'file', uri.toString(), analyze(spec)));
      }),
    );
    points.push(...(this.runs?.points() ?? []));
    points.sort((a, b) => a.label.localeCompare(b.label));
    skipped.sort((a, b) => a.fileName.localeCompare(b.fileName));
    return { type: 'tradeoffs/points', points, skipped };
  }
}
