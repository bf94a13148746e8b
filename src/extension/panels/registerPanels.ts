/**
 * The panels: commands that open them, serializers that restore them after a window reload (each webview
 * saves its state with setState; the serializer gets it back), and the paint timings they report.
 *
 * Commands:
 * - mlbtc.showDiagram [uri] [{ layer, group }]: the structure diagram of a file (the argument, else the active editor's
 *   structure, else one picked from the workspace); one panel per file.
 * - mlbtc.showTradeoffs: every structure of the workspace on compute/rank axes; one panel.
 * - mlbtc.showLosses [run node | { runIds }] [selected nodes]: curves of the runs under mlbtc.runsDirectory; one panel.
 *   Invoked on runs (the Experiments view's selection) it shows those; from the palette, the panel's own choice
 *   (the running runs, else the newest), which its run list changes.
 * - mlbtc.showSearch [search node | { searchId }]: the leaderboard and parallel coordinates of a search; one panel
 *   per search. From the palette: the only search, else one picked.
 * - mlbtc.showStudy [search node | { searchId } | runs folder Uri | { runsDir, searchIds }]: the paper's views of a
 *   search or a runs folder (studyPicks.ts offers them from the palette); one panel per subject.
 * - mlbtc.panels.perf (not in the palette): the paint timings recorded so far, for tests and benchmarks.
 */
import * as vscode from 'vscode';
import { isStructureDocument, STRUCTURE_SUFFIX } from '../structures/structureFiles';
import type { ValidationCache } from '../structures/validation';
import { DIAGRAM_VIEW_TYPE, DiagramPanel, isDiagramState } from './diagram/diagramPanel';
import { LOSSES_VIEW_TYPE, LossesPanel } from './losses/lossesPanel';
import type { RunSeriesSource } from './losses/runSource';
import type { PanelServices } from './panelController';
import { paintLogLine, PanelPerf } from './perf';
import { isSearchPanelState, SEARCH_VIEW_TYPE, SearchPanel, searchPanelKey, type SearchFeed, type SearchKey } from './search/searchPanel';
import { isStudyState, STUDY_VIEW_TYPE, StudyPanel, type StudySubject } from './study/studyPanel';
import { pickStudySubject, studySubjectOf } from './study/studyPicks';
import { TRADEOFFS_VIEW_TYPE, TradeoffsPanel, type RunPointSource } from './tradeoffs/tradeoffsPanel';

export const PANEL_COMMANDS = {
  diagram: 'mlbtc.showDiagram',
  tradeoffs: 'mlbtc.showTradeoffs',
  losses: 'mlbtc.showLosses',
  search: 'mlbtc.showSearch',
  study: 'mlbtc.showStudy',
  perf: 'mlbtc.panels.perf',
} as const;

/** What the panels get from the runs side (src/extension/runs/runService.ts). */
export interface PanelRunFeeds {
  /** A run source for a new live-losses panel (the panel disposes it). */
  lossesSource(): RunSeriesSource;
  /** The runs Show Live Losses was invoked on; empty for the panel's own choice. */
  runsToShow(args: unknown[]): string[];
  /** Finished runs for the trade-offs panel. */
  tradeoffRuns: RunPointSource;
  /** The search Show Search was invoked on, else the only one or one picked; undefined: none. */
  searchToShow(args: unknown[]): Promise<SearchKey | undefined>;
  search: SearchFeed;
  /** The search an Experiments node or { searchId } names (its runs folder and id), if any. */
  searchOf(arg: unknown): { root: string; id: string } | undefined;
}

export function registerPanels(context: vscode.ExtensionContext, validation: ValidationCache, runs: PanelRunFeeds): void {
  const log = vscode.window.createOutputChannel('MLBTC Panels', { log: true });
  const perf = new PanelPerf((r) => log.info(paintLogLine(r)));
  const services: PanelServices = { extensionUri: context.extensionUri, log, perf };
  const diagrams = new Map<string, DiagramPanel>();
  let tradeoffs: TradeoffsPanel | undefined;
  let losses: LossesPanel | undefined;
  const searches = new Map<string, SearchPanel>();

  const studies = new Map<string, StudyPanel>();
  const studyKey = (s: StudySubject) => JSON.stringify([s.runsDir, [...s.searchIds].sort()]);

  const track = <P extends DiagramPanel | TradeoffsPanel | LossesPanel | SearchPanel | StudyPanel>(panel: P, forget: () => void): P => {
    panel.onDidDispose(forget);
    return panel;
  };
  const adoptDiagram = (panel: DiagramPanel) => {
    diagrams.set(panel.uri.toString(), panel);
    return track(panel, () => diagrams.delete(panel.uri.toString()));
  };
  const adoptTradeoffs = (panel: TradeoffsPanel) => (tradeoffs = track(panel, () => (tradeoffs = undefined)));
  const adoptLosses = (panel: LossesPanel) => (losses = track(panel, () => (losses = undefined)));
  const adoptSearch = (panel: SearchPanel) => {
    searches.set(searchPanelKey(panel.search), panel);
    return track(panel, () => searches.delete(searchPanelKey(panel.search)));
  };
  const adoptStudy = (panel: StudyPanel) => {
    studies.set(studyKey(panel.subject), panel);
    return track(panel, () => studies.delete(studyKey(panel.subject)));
  };
  const showStudy = async (arg?: unknown) => {
    const subject = studySubjectOf(arg, runs.searchOf) ?? (await pickStudySubject());
    if (!subject) return undefined;
    const panel = studies.get(studyKey(subject)) ?? adoptStudy(StudyPanel.create(services, subject));
    panel.reveal();
    return panel;
  };

  const showDiagram = async (target?: unknown, options?: { layer?: number; group?: number }) => {
    const uri = target instanceof vscode.Uri ? target : await pickStructure();
    if (!uri) return undefined;
    // A new file's diagram joins the column of the diagrams already open (Beside would add a column each time).
    const column = [...diagrams.values()].map((d) => d.panel.viewColumn).find((c) => c !== undefined);
    const panel = diagrams.get(uri.toString()) ?? adoptDiagram(DiagramPanel.create(services, uri, validation, column));
    panel.reveal();
    if (typeof options?.group === 'number') panel.showGroup(typeof options.layer === 'number' ? options.layer : 0, options.group);
    return panel;
  };

  context.subscriptions.push(
    log,
    vscode.commands.registerCommand(PANEL_COMMANDS.diagram, showDiagram),
    vscode.commands.registerCommand(PANEL_COMMANDS.tradeoffs, () => {
      (tradeoffs ?? adoptTradeoffs(TradeoffsPanel.create(services, runs.tradeoffRuns))).reveal();
    }),
    vscode.commands.registerCommand(PANEL_COMMANDS.losses, (...args: unknown[]) => {
      const runIds = runs.runsToShow(args);
      const panel = losses ?? adoptLosses(LossesPanel.create(services, runs.lossesSource()));
      panel.reveal();
      if (runIds.length) panel.showRuns(runIds);
    }),
    vscode.commands.registerCommand(PANEL_COMMANDS.search, async (...args: unknown[]) => {
      const search = await runs.searchToShow(args);
      if (!search) return undefined;
      const panel = searches.get(searchPanelKey(search)) ?? adoptSearch(SearchPanel.create(services, search, runs.search));
      panel.reveal();
      return panel.search;
    }),
    vscode.commands.registerCommand(PANEL_COMMANDS.study, showStudy),
    vscode.commands.registerCommand(PANEL_COMMANDS.perf, () => perf.all()),
    vscode.window.registerWebviewPanelSerializer(STUDY_VIEW_TYPE, {
      async deserializeWebviewPanel(panel, state) {
        if (!isStudyState(state)) {
          panel.dispose();
          return;
        }
        adoptStudy(new StudyPanel(panel, services, { runsDir: state.runsDir, searchIds: state.searchIds }));
      },
    }),
    vscode.window.registerWebviewPanelSerializer(DIAGRAM_VIEW_TYPE, {
      async deserializeWebviewPanel(panel, state) {
        if (!isDiagramState(state)) {
          panel.dispose(); // never drew a structure: nothing to restore
          return;
        }
        adoptDiagram(new DiagramPanel(panel, services, vscode.Uri.parse(state.uri, true), validation));
      },
    }),
    vscode.window.registerWebviewPanelSerializer(TRADEOFFS_VIEW_TYPE, {
      async deserializeWebviewPanel(panel) {
        adoptTradeoffs(new TradeoffsPanel(panel, services, runs.tradeoffRuns));
      },
    }),
    vscode.window.registerWebviewPanelSerializer(SEARCH_VIEW_TYPE, {
      async deserializeWebviewPanel(panel, state) {
        if (!isSearchPanelState(state)) {
          panel.dispose(); // never showed a search: nothing to restore
          return;
        }
        adoptSearch(new SearchPanel(panel, services, { root: state.root, id: state.id }, runs.search));
      },
    }),
    vscode.window.registerWebviewPanelSerializer(LOSSES_VIEW_TYPE, {
      async deserializeWebviewPanel(panel) {
        adoptLosses(new LossesPanel(panel, services, runs.lossesSource()));
      },
    }),
  );
}

/** The active editor's structure, else one picked from the workspace's structure files. */
async function pickStructure(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active && isStructureDocument(active)) return active.uri;
  const files = await vscode.workspace.findFiles(`**/*${STRUCTURE_SUFFIX}`, '**/{node_modules,.git,.mlbtc}/**', 500);
  if (!files.length) {
    void vscode.window.showInformationMessage(
      `No *${STRUCTURE_SUFFIX} file is open or in this workspace. MLBTC: New Structure creates one.`,
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'Show Structure Diagram', placeHolder: 'Structure file to draw' },
  );
  return picked?.uri;
}
