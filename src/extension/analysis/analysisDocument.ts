/**
 * The analysis as a read-only virtual Markdown document (scheme mlbtc-analysis), shown in VS Code's Markdown
 * preview beside the structure. It follows the source as the user types: every re-validation of the source
 * re-renders the analysis, so the preview never shows numbers for text that is no longer there.
 */
import * as vscode from 'vscode';
import { analyze } from '../../core/analysis';
import type { StructureDiagnostics } from '../editor/diagnostics';
import { baseName } from '../structures/structureFiles';
import type { DocumentValidation, ValidationCache } from '../structures/validation';
import { analysisMarkdown, invalidMarkdown } from './analysisMarkdown';

export const ANALYSIS_SCHEME = 'mlbtc-analysis';

/**
 * The analysis document of a structure, `<name>.analysis.md` beside it (the preview's title). The source URI
 * travels in the query, so any scheme (file, untitled) works.
 */
export function analysisUri(source: vscode.Uri): vscode.Uri {
  const path = `${source.path.replace(/\.mlbtc\.json$/, '')}.analysis.md`;
  return vscode.Uri.from({ scheme: ANALYSIS_SCHEME, path, query: source.toString() });
}

export class AnalysisDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly subscription: vscode.Disposable;
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly cache: ValidationCache,
    diagnostics: StructureDiagnostics,
  ) {
    this.subscription = diagnostics.onDidValidate(({ document }) => {
      const uri = analysisUri(document.uri);
      // Only analyses someone has open need re-rendering.
      if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) this.changed.fire(uri);
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const source = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri.query, true));
    return renderAnalysis(baseName(source.uri), this.cache.of(source));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

export function renderAnalysis(fileName: string, validation: DocumentValidation): string {
  if (!validation.spec) return invalidMarkdown(fileName, validation.problems);
  return analysisMarkdown(fileName, validation.spec, analyze(validation.spec));
}
