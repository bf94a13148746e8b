// Helpers for the extension's integration tests (run inside the real extension host, workspace = a temp copy of
// examples/, so tests may create and edit files in it).
import * as vscode from 'vscode';
import { until } from '../../scripts/harness/until';
import type { MlbtcStudioApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'mlbtc.mlbtc-studio';

export async function activateExtension(): Promise<MlbtcStudioApi> {
  const extension = vscode.extensions.getExtension<MlbtcStudioApi>(EXTENSION_ID);
  if (!extension) throw new Error(`extension ${EXTENSION_ID} is not loaded in this host`);
  return extension.activate();
}

export function workspaceUri(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the integration tests need a workspace folder (the harness opens a copy of examples/)');
  return vscode.Uri.joinPath(folder.uri, ...segments);
}

export async function readText(uri: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

export async function writeText(uri: vscode.Uri, text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
}

/** A fresh copy of an example under a new name, opened in an editor. */
export async function openCopyOfExample(
  example: string,
  name: string,
  edit: (text: string) => string = (t) => t,
): Promise<vscode.TextEditor> {
  const uri = workspaceUri(name);
  await writeText(uri, edit(await readText(workspaceUri(example))));
  return vscode.window.showTextDocument(uri, { preview: false });
}

/** Replaces the first occurrence of `find` in the editor, as typing would. */
export async function replaceInEditor(editor: vscode.TextEditor, find: string, replacement: string): Promise<void> {
  const text = editor.document.getText();
  const at = text.indexOf(find);
  if (at < 0) throw new Error(`"${find}" is not in ${editor.document.uri.path}`);
  const range = new vscode.Range(editor.document.positionAt(at), editor.document.positionAt(at + find.length));
  const ok = await editor.edit((b) => b.replace(range, replacement));
  if (!ok) throw new Error('the editor refused the edit');
}

/**
 * Diagnostics of MLBTC Studio's own validation: source "mlbtc" and a problem code. VS Code's JSON service, which
 * also serves these files, may label its syntax errors with the language id "mlbtc" too, but with numeric codes.
 */
export function isOwnDiagnostic(d: vscode.Diagnostic): boolean {
  return d.source === 'mlbtc' && typeof d.code === 'string';
}

export function mlbtcDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter(isOwnDiagnostic);
}

/** `until` with the host's pace: a short default limit, polled every 50 ms (the extension host answers quickly). */
export function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  return until(what, check, timeoutMs, 50);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
