/** "MLBTC: Analyze Structure": the analysis of a structure file beside it, or why it cannot be analysed yet. */
import * as vscode from 'vscode';
import { analysisUri } from '../analysis/analysisDocument';
import { problemRange } from '../editor/diagnostics';
import { baseName, isStructureDocument } from '../structures/structureFiles';
import type { ValidationCache } from '../structures/validation';

/**
 * Analyse `target` (from a menu or an automation caller) or else the active editor's structure.
 * Resolves to the analysis document's URI once the preview is open, or undefined when there is nothing to show.
 * Messages are not awaited, so callers never wait on a user's click.
 */
export async function analyzeStructure(cache: ValidationCache, target?: unknown): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  const uri = target instanceof vscode.Uri ? target : active && isStructureDocument(active) ? active.uri : undefined;
  if (!uri) {
    void vscode.window
      .showErrorMessage(
        'Analyze Structure needs a structure file (*.mlbtc.json) in the active editor. Open one, or start one:',
        'New Structure',
        'Open Example',
      )
      .then((choice) => choice && vscode.commands.executeCommand(choice === 'New Structure' ? 'mlbtc.newStructure' : 'mlbtc.openExample'));
    return undefined;
  }
  const document = await vscode.workspace.openTextDocument(uri);
  const validation = cache.of(document);
  if (!validation.spec) {
    const first = validation.problems.find((p) => p.severity === 'error') ?? validation.problems[0];
    const where = first ? ` Line ${first.line + 1}: ${first.message}` : '';
    const message = `${baseName(uri)} is not a valid structure yet, so it cannot be analysed.${where}`;
    void vscode.window.showErrorMessage(message, 'Show Problems').then(async (choice) => {
      if (!choice) return;
      await vscode.window.showTextDocument(document, first ? { selection: problemRange(document, first) } : {});
      await vscode.commands.executeCommand('workbench.actions.view.problems');
    });
    return undefined;
  }
  const analysis = analysisUri(uri);
  await vscode.commands.executeCommand('markdown.showPreviewToSide', analysis);
  return analysis;
}
