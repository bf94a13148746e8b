/**
 * MLBTC Studio in VS Code. Activated by opening a structure file (language `mlbtc`, i.e. any *.mlbtc.json), by its
 * commands or by its view: never at start-up. The host side only validates, analyses and reads run folders, so the
 * bundle stays small and never contains tfjs; training runs in detached worker processes that the run service
 * (runs/runService.ts) starts and follows, lazily. Commands are registered with their Workspace Trust needs
 * (commands/registerCommand.ts).
 */
import * as vscode from 'vscode';
import { AnalysisDocuments, ANALYSIS_SCHEME } from './analysis/analysisDocument';
import { analyzeStructure } from './commands/analyzeStructure';
import { newStructure } from './commands/newStructure';
import { openExample } from './commands/openExample';
import { registerCommand } from './commands/registerCommand';
import { StructureDiagnostics } from './editor/diagnostics';
import { StructureQuickFixes } from './editor/quickFixes';
import type { RunInfo } from '../runs/store';
import { ExperimentsTree } from './experiments/experimentsTree';
import { lossesRuns } from './runs/runActions';
import { compareFamiliesCommand } from './compare/compareFamilies';
import { searchFromArgs } from './runs/targets';
import { registerRunCommands } from './runs/registerRunCommands';
import { RunService } from './runs/runService';
import { registerLens } from './lens/registerLens';
import { PANEL_COMMANDS, registerPanels } from './panels/registerPanels';
import { chooseSearch, searchFeed } from './runs/showSearch';
import { JSON_SERVICE_EXTENSION, structureSelector } from './structures/structureFiles';
import { ValidationCache } from './structures/validation';

/** What activate returns: used by the integration tests to read state the UI shows. */
export interface MlbtcStudioApi {
  /** The runs the Experiments view shows. */
  runs(): RunInfo[];
  /** The Experiments view's rows as it shows them now: each experiment with its runs. */
  experimentsView(): ViewRow[];
  /** The runs status bar item as it reads now (null: hidden). */
  runsStatusBar(): { text: string; tooltip: string; accessible: string } | null;
  /** The run notifications shown so far, oldest first. */
  runNotifications(): readonly string[];
}

export interface ViewRow {
  /** The TreeItem id: "experiment:<key>" or "run:<run id>". */
  id: string;
  label: string;
  description: string;
  contextValue: string;
  tooltip: string;
  /** The ThemeIcon's id and colour, e.g. "pass testing.iconPassed". */
  icon: string;
  children?: ViewRow[];
}

export function activate(context: vscode.ExtensionContext): MlbtcStudioApi {
  const cache = new ValidationCache();
  const diagnostics = new StructureDiagnostics(cache);
  const analyses = new AnalysisDocuments(cache, diagnostics);
  const runs = new RunService(context);
  const experiments = new ExperimentsTree(runs);
  const experimentsView = vscode.window.createTreeView('mlbtc.experiments', { treeDataProvider: experiments, canSelectMany: true });
  /** A search trial clicked in the search view: its row in the Experiments view, and its curves. */
  const revealRun = (runId: string) => {
    const node = experiments.nodeOfRun(runId);
    if (node) void experimentsView.reveal(node, { select: true, focus: false, expand: true });
    void vscode.commands.executeCommand(PANEL_COMMANDS.losses, { runIds: [runId] });
  };

  context.subscriptions.push(
    diagnostics,
    analyses,
    runs,
    experiments,
    vscode.workspace.registerTextDocumentContentProvider(ANALYSIS_SCHEME, analyses),
    vscode.languages.registerCodeActionsProvider(structureSelector, new StructureQuickFixes(cache), StructureQuickFixes.metadata),
    experimentsView,
    registerCommand('mlbtc.analyze', 'any', (target) => analyzeStructure(cache, target)),
    registerCommand('mlbtc.newStructure', 'any', (args) => newStructure(args)),
    registerCommand('mlbtc.openExample', 'any', (args) => openExample(context.extensionUri, args)),
    registerCommand('mlbtc.compareFamilies', 'any', (args) => compareFamiliesCommand(args)),
    registerCommand('mlbtc.experiments.refresh', 'any', () => {
      runs.start().refresh();
      experiments.refresh();
    }),
    ...registerRunCommands(runs, cache),
  );
  registerPanels(context, cache, {
    lossesSource: () => runs.lossesSource(),
    runsToShow: (args) => lossesRuns(runs, args),
    tradeoffRuns: runs.tradeoffPoints,
    searchToShow: (args) => chooseSearch(runs, args),
    search: searchFeed(runs, revealRun),
    searchOf: (arg) => searchFromArgs(runs.model, arg),
  });
  registerLens(context, cache, diagnostics.onDidValidate);
  void startJsonService().then(() => diagnostics.refreshAll());
  return {
    runs: () => runs.start().runs(),
    experimentsView: () => experiments.snapshot().map(({ item, children }) => ({ ...viewRow(item), children: children.map(viewRow) })),
    runsStatusBar: () => runs.statusBar.current,
    runNotifications: () => runs.notifications.shown,
  };
}

function viewRow(item: vscode.TreeItem): ViewRow {
  const text = (v: string | vscode.TreeItemLabel | vscode.MarkdownString | boolean | undefined) =>
    typeof v === 'string' ? v : v && typeof v === 'object' && 'label' in v ? v.label : v && typeof v === 'object' ? v.value : '';
  const icon = item.iconPath instanceof vscode.ThemeIcon ? [item.iconPath.id, item.iconPath.color?.id].filter(Boolean).join(' ') : '';
  return {
    id: item.id ?? '',
    label: text(item.label),
    description: text(item.description),
    contextValue: item.contextValue ?? '',
    tooltip: text(item.tooltip),
    icon,
  };
}

/**
 * Schema completion, hover and validation of *.mlbtc.json come from VS Code's JSON service, which serves our
 * language through package.json "jsonLanguageParticipants". But that extension activates only for json/jsonc
 * documents, so with just a structure file open it would never start: start it ourselves.
 */
async function startJsonService(): Promise<void> {
  const json = vscode.extensions.getExtension(JSON_SERVICE_EXTENSION);
  if (!json || json.isActive) return;
  try {
    await json.activate();
  } catch {
    // Without it there is no schema completion, and diagnostics keep reporting syntax errors themselves.
  }
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
