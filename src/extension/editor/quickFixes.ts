/**
 * Quick fixes: each `fixes` entry of a located problem becomes a code action whose edit sets the value at the
 * fix's JSON path with the smallest text change (json/jsonEdits). Offered wherever the problem's range meets the
 * cursor or selection, in the editor lightbulb and the Problems panel.
 */
import * as vscode from 'vscode';
import type { Fix, LocatedProblem } from '../../core/validate/types';
import { fixEdits } from '../json/jsonEdits';
import type { ValidationCache } from '../structures/validation';
import { DIAGNOSTIC_SOURCE, problemRange } from './diagnostics';

export class StructureQuickFixes implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly cache: ValidationCache) {}

  provideCodeActions(
    document: vscode.TextDocument,
    range: vscode.Range | vscode.Selection,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    if (context.only && !vscode.CodeActionKind.QuickFix.intersects(context.only)) return [];
    const actions: vscode.CodeAction[] = [];
    for (const problem of this.cache.of(document).problems) {
      if (!problem.fixes?.length) continue;
      const where = problemRange(document, problem);
      if (!where.intersection(range)) continue;
      const diagnostic = context.diagnostics.find(
        (d) => d.source === DIAGNOSTIC_SOURCE && d.code === problem.code && d.range.isEqual(where),
      );
      for (const fix of problem.fixes) actions.push(this.action(document, problem, fix, diagnostic));
    }
    return actions;
  }

  private action(
    document: vscode.TextDocument,
    problem: LocatedProblem,
    fix: Fix,
    diagnostic: vscode.Diagnostic | undefined,
  ): vscode.CodeAction {
    const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
    action.edit = new vscode.WorkspaceEdit();
    for (const e of fixEdits(document.getText(), fix)) {
      action.edit.replace(
        document.uri,
        new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)),
        e.content,
      );
    }
    if (diagnostic) action.diagnostics = [diagnostic];
    // With a single obvious fix, make it the one "Auto Fix" (and Ctrl+. Enter) applies.
    action.isPreferred = problem.fixes?.length === 1;
    return action;
  }
}
