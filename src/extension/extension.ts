/**
 * MLBTC Studio in VS Code. Activated by opening a structure file (language `mlbtc`, i.e. any *.mlbtc.json), by its
 * commands or by its view: never at start-up. The host side only validates, analyses and reads run folders, so the
 * bundle stays small and never contains tfjs; training (later) runs in a separate worker process. Commands are
 * registered with their Workspace Trust needs (commands/registerCommand.ts).
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
import { registerLens } from './lens/registerLens';
import { registerPanels } from './panels/registerPanels';
import { JSON_SERVICE_EXTENSION, structureSelector } from './structures/structureFiles';
import { ValidationCache } from './structures/validation';

/** What activate returns: used by the integration tests to read state the UI shows. */
export interface MlbtcStudioApi {
  /** The runs the Experiments view shows. */
  runs(): RunInfo[];
}

export function activate(context: vscode.ExtensionContext): MlbtcStudioApi {
  const cache = new ValidationCache();
  const diagnostics = new StructureDiagnostics(cache);
  const analyses = new AnalysisDocuments(cache, diagnostics);
  const experiments = new ExperimentsTree();

  context.subscriptions.push(
    diagnostics,
    analyses,
    experiments,
    vscode.workspace.registerTextDocumentContentProvider(ANALYSIS_SCHEME, analyses),
    vscode.languages.registerCodeActionsProvider(structureSelector, new StructureQuickFixes(cache), StructureQuickFixes.metadata),
    vscode.window.createTreeView('mlbtc.experiments', { treeDataProvider: experiments }),
    registerCommand('mlbtc.analyze', 'any', (target) => analyzeStructure(cache, target)),
    registerCommand('mlbtc.newStructure', 'any', (args) => newStructure(args)),
    registerCommand('mlbtc.openExample', 'any', (args) => openExample(context.extensionUri, args)),
    registerCommand('mlbtc.experiments.refresh', 'any', () => experiments.refresh()),
  );
  registerPanels(context, cache);
  registerLens(context, cache, diagnostics.onDidValidate);
  void startJsonService().then(() => diagnostics.refreshAll());
  return { runs: () => experiments.runs() };
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
