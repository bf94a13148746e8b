/**
 * Validation of open structure documents, cached per document version so diagnostics, quick fixes, CodeLens and
 * the analysis view share one run of `validateText` per edit.
 */
import type * as vscode from 'vscode';
import type { ResolvedSpec } from '../../core/spec/resolve';
import { validateText } from '../../core/validate';
import type { LocatedProblem, ProblemCode } from '../../core/validate';

export interface DocumentValidation {
  version: number;
  problems: LocatedProblem[];
  /** Present only when there are no errors. */
  spec?: ResolvedSpec;
}

export class ValidationCache {
  private readonly byUri = new Map<string, DocumentValidation>();

  /** The validation of the document's current text (computed on first request per version). */
  of(document: vscode.TextDocument): DocumentValidation {
    const key = document.uri.toString();
    const cached = this.byUri.get(key);
    if (cached?.version === document.version) return cached;
    const result = { version: document.version, ...validateSafely(document.getText()) };
    this.byUri.set(key, result);
    return result;
  }

  forget(uri: vscode.Uri): void {
    this.byUri.delete(uri.toString());
  }
}

/**
 * validateText is specified never to throw; should it anyway, the editor must keep working, so the failure becomes
 * one problem at the top of the file that says what happened instead of an exception in the extension host.
 */
export function validateSafely(text: string): Omit<DocumentValidation, 'version'> {
  try {
    return validateText(text);
  } catch (err) {
    const message = `MLBTC Studio could not check this file (${err instanceof Error ? err.message : String(err)}). This is a bug in MLBTC Studio, not in the file: please report it with the file attached.`;
    return {
      problems: [
        { code: 'internal' satisfies ProblemCode, severity: 'error', message, path: [], offset: 0, length: 0, line: 0, column: 0 },
      ],
    };
  }
}
