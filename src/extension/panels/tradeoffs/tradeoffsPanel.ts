/**
 * Compute / rank trade-offs: every *.mlbtc.json of the workspace as a point (MACs against scoring rank or
 * parameters), every trial its `search` block plans as a candidate point, and finished runs, with the Pareto front;
 * clicking a point opens its file. Follows the workspace: files created, changed (on disk or in an editor) or
 * deleted update the chart (debounced).
 */
import { parse } from 'jsonc-parser';
import * as vscode from 'vscode';
import { analyze } from '../../../core/analysis';
import type { StructureSpec } from '../../../core/spec/schema';
import type { SkippedFile, TradeoffPoint, TradeoffsFromWebview, TradeoffsToWebview } from '../../../protocol/webview';
import { baseName, isStructureDocument, STRUCTURE_SUFFIX } from '../../structures/structureFiles';
import { validateSafely } from '../../structures/validation';
import { PanelController, type PanelServices } from '../panelController';
import { CandidatePointsCache, searchPoints, type StructureFile } from './candidates';
import { plottedFiles, skipReason, tradeoffPoint } from './points';

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
  private readonly candidates = new CandidatePointsCache();
  /** The files of the points last sent: the only ones an openFile message may open (a webview is not trusted). */
  private plotted: ReadonlySet<string> = new Set();

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
    if (message.type === 'openFile' && this.plotted.has(message.uri)) {
      await vscode.window.showTextDocument(vscode.Uri.parse(message.uri, true), { preview: true });
    }
  }

  /**
   * Analyse every structure file and plan its search; an open editor's unsaved text wins over the file on disk.
   * Planning is synchronous (up to MAX_CANDIDATES candidates): the cache replans only files whose text changed.
   */
  private async points(): Promise<TradeoffsToWebview> {
    const uris = await vscode.workspace.findFiles(GLOB, EXCLUDE, MAX_FILES);
    const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
    const points: TradeoffPoint[] = [];
    const skipped: SkippedFile[] = [];
    const valid = new Set<string>();
    await Promise.all(
      uris.map(async (uri) => {
        const file: StructureFile = { uri: uri.toString(), label: vscode.workspace.asRelativePath(uri), fileName: baseName(uri) };
        let text: string;
        try {
          text = open.get(file.uri)?.getText() ?? new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        } catch (e) {
          skipped.push({ uri: file.uri, fileName: file.fileName, reason: `cannot be read: ${e instanceof Error ? e.message : String(e)}` });
          return;
        }
        const { spec, problems } = validateSafely(text);
        if (!spec) {
          skipped.push({ uri: file.uri, fileName: file.fileName, reason: skipReason(problems) });
          return;
        }
        valid.add(file.uri);
        points.push(tradeoffPoint(file.uri, file.label, 'file', file.uri, analyze(spec), spec.task.kind));
        const search = this.candidates.of(file, text, () => searchPoints(file, parse(text) as StructureSpec));
        points.push(...search.points);
        skipped.push(...search.skipped);
      }),
    );
    this.candidates.keepOnly(valid);
    points.push(...(this.runs?.points() ?? []));
    points.sort((a, b) => a.label.localeCompare(b.label));
    skipped.sort((a, b) => a.fileName.localeCompare(b.fileName));
    this.plotted = plottedFiles(points);
    return { type: 'tradeoffs/points', points, skipped };
  }
}
