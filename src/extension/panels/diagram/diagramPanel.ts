/**
 * The structure diagram of one *.mlbtc.json: the scoring matrix as blocks and the cores as a tensor network.
 * One panel per file; it follows the file as it is edited (debounced) and keeps the last good picture, greyed,
 * while the file is invalid.
 */
import * as vscode from 'vscode';
import { analyze } from '../../../core/analysis';
import type {
  DiagramFromWebview,
  DiagramModelMessage,
  DiagramProblemMessage,
  DiagramState,
  DiagramToWebview,
} from '../../../protocol/webview';
import { baseName } from '../../structures/structureFiles';
import type { ValidationCache } from '../../structures/validation';
import { PanelController, type PanelServices } from '../panelController';
import { diagramModel } from './diagramModel';

export const DIAGRAM_VIEW_TYPE = 'mlbtc.diagram';
/** Redraw this long after the last keystroke: enough to skip half-typed numbers, short enough to feel live. */
const DEBOUNCE_MS = 250;

export class DiagramPanel extends PanelController<DiagramToWebview, DiagramFromWebview> {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** A head group to show once the webview is ready (a fresh panel opened from one group's lens). */
  private pendingGroup: { layer: number; group: number } | undefined;

  constructor(
    panel: vscode.WebviewPanel,
    services: PanelServices,
    readonly uri: vscode.Uri,
    private readonly validation: ValidationCache,
  ) {
    super('diagram', panel, services);
    panel.title = `Diagram: ${baseName(uri)}`;
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() === uri.toString()) this.schedule();
      }),
      { dispose: () => clearTimeout(this.timer) },
    );
  }

  static create(services: PanelServices, uri: vscode.Uri, validation: ValidationCache): DiagramPanel {
    const panel = vscode.window.createWebviewPanel(
      DIAGRAM_VIEW_TYPE,
      `Diagram: ${baseName(uri)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {},
    );
    return new DiagramPanel(panel, services, uri, validation);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), DEBOUNCE_MS);
  }

  private async update(): Promise<void> {
    if (this.isReady) this.post(await this.message());
  }

  protected async snapshot(): Promise<DiagramToWebview[]> {
    const group = this.pendingGroup;
    this.pendingGroup = undefined;
    return [await this.message(), ...(group !== undefined ? [{ type: 'diagram/select' as const, ...group }] : [])];
  }

  /** Show one head group of one layer structure (an index into the analysis' layers): now if the webview is up, else as soon as it is. */
  showGroup(layer: number, group: number): void {
    if (this.isReady) this.post({ type: 'diagram/select', layer, group });
    else this.pendingGroup = { layer, group };
  }

  protected onMessage(): void {
    // The diagram sends only the shared messages (ready, painted, export, errors).
  }

  protected override exportFolder(): vscode.Uri | undefined {
    return this.uri.scheme === 'file' ? vscode.Uri.joinPath(this.uri, '..') : super.exportFolder();
  }

  private async message(): Promise<DiagramModelMessage | DiagramProblemMessage> {
    const fileName = baseName(this.uri);
    const problem = (message: string, line?: number): DiagramProblemMessage => ({
      type: 'diagram/problem',
      uri: this.uri.toString(),
      fileName,
      message,
      ...(line !== undefined ? { line } : {}),
    });
    let document: vscode.TextDocument;
    try {
      document = await vscode.workspace.openTextDocument(this.uri);
    } catch (e) {
      return problem(`${fileName} cannot be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    const { spec, problems } = this.validation.of(document);
    if (!spec) {
      const first = problems.find((p) => p.severity === 'error') ?? problems[0];
      return problem(first ? first.message : 'the file is not a valid structure', first ? first.line + 1 : undefined);
    }
    return { type: 'diagram/model', model: diagramModel(this.uri.toString(), fileName, spec, analyze(spec)) };
  }
}

/** Restores diagram panels after a window reload, from the state the webview saved. */
export function isDiagramState(state: unknown): state is DiagramState {
  return typeof state === 'object' && state !== null && typeof (state as DiagramState).uri === 'string';
}
