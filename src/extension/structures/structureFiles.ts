/**
 * What counts as a structure file: one source of truth for the `*.mlbtc.json` suffix and the `mlbtc` language id
 * the manifest contributes for it (package.json "languages", "jsonValidation", menu `when` clauses).
 */
import * as vscode from 'vscode';

export const STRUCTURE_LANGUAGE = 'mlbtc';
export const STRUCTURE_SUFFIX = '.mlbtc.json';
/** VS Code's built-in JSON service, which serves the mlbtc language through package.json "jsonLanguageParticipants". */
export const JSON_SERVICE_EXTENSION = 'vscode.json-language-features';

/**
 * Documents the editor features apply to: the language id covers untitled files switched to "MLBTC Structure";
 * the suffix keeps files checked when a user maps `*.json` to another language in files.associations.
 */
export const structureSelector: vscode.DocumentSelector = [{ language: STRUCTURE_LANGUAGE }, { pattern: `**/*${STRUCTURE_SUFFIX}` }];

export function isStructureDocument(document: vscode.TextDocument): boolean {
  return document.languageId === STRUCTURE_LANGUAGE || document.uri.path.endsWith(STRUCTURE_SUFFIX);
}

/** The last path segment, for messages and titles. */
export function baseName(uri: vscode.Uri): string {
  return uri.path.split('/').at(-1) ?? uri.path;
}
