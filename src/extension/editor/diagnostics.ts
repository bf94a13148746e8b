/**
 * Problems of every open structure file in the Problems panel and as squiggles, kept current while the user types
 * (with a missing `task.data` file, dataFileProblem.ts):
 * re-validated 150 ms after the last keystroke (validation takes well under a millisecond; the pause only avoids
 * flicker while a number is half typed).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { dataFileProblem } from './dataFileProblem';
import type { LocatedProblem } from '../../core/validate/types';
import { isStructureDocument, JSON_SERVICE_EXTENSION } from '../structures/structureFiles';
import type { DocumentValidation, ValidationCache } from '../structures/validation';

export const DIAGNOSTIC_SOURCE = 'mlbtc';
const DEBOUNCE_MS = 150;

export interface ValidatedEvent {
  document: vscode.TextDocument;
  validation: DocumentValidation;
}

export class StructureDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly validated = new vscode.EventEmitter<ValidatedEvent>();
  private readonly subscriptions: vscode.Disposable[];
  /** Fires after a structure document's diagnostics were refreshed (the analysis view and CodeLens follow it). */
  readonly onDidValidate = this.validated.event;

  constructor(private readonly cache: ValidationCache) {
    this.subscriptions = [
      this.collection,
      this.validated,
      vscode.workspace.onDidOpenTextDocument((d) => this.refresh(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.close(d)),
    ];
    this.refreshAll();
  }

  /** Re-validates every open structure document (on start, and when the JSON service starts reporting syntax). */
  refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) this.refresh(d);
  }

  private schedule(document: vscode.TextDocument): void {
    if (!isStructureDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        if (!document.isClosed) this.refresh(document);
      }, DEBOUNCE_MS),
    );
  }

  private refresh(document: vscode.TextDocument): void {
    if (!isStructureDocument(document)) return;
    const validation = this.cache.of(document);
    const shown = jsonServiceReportsSyntax() ? validation.problems.filter((p) => p.code !== 'syntax') : validation.problems;
    const data = document.uri.scheme === 'file' ? dataFileProblem(document.getText(), path.dirname(document.uri.fsPath)) : undefined;
    this.collection.set(
      document.uri,
      [...shown, ...(data ? [data] : [])].map((p) => toDiagnostic(document, p)),
    );
    this.validated.fire({ document, validation });
  }

  private close(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    this.collection.delete(document.uri);
    this.cache.forget(document.uri);
  }

  dispose(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    for (const s of this.subscriptions) s.dispose();
  }
}

/**
 * VS Code's JSON service parses the same text (it serves the mlbtc language, see extension.ts) and reports every
 * syntax error already, in the same place; ours would show each one twice. So syntax errors are left to it while
 * it validates, and shown by us only when it does not (extension disabled, or json.validate.enable off).
 */
function jsonServiceReportsSyntax(): boolean {
  return (
    vscode.extensions.getExtension(JSON_SERVICE_EXTENSION)?.isActive === true &&
    vscode.workspace.getConfiguration('json').get<boolean>('validate.enable', true)
  );
}

/** The range of a problem: exactly the offending value, as the validator located it. */
export function problemRange(document: vscode.TextDocument, p: LocatedProblem): vscode.Range {
  return new vscode.Range(document.positionAt(p.offset), document.positionAt(p.offset + p.length));
}

function toDiagnostic(document: vscode.TextDocument, p: LocatedProblem): vscode.Diagnostic {
  const severity = p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
  const d = new vscode.Diagnostic(problemRange(document, p), p.message, severity);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = p.code;
  return d;
}
