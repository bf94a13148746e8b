/**
 * Saving what a panel exports (webview → host): ask where with a save dialog, write with workspace.fs (works for
 * local, remote and virtual workspaces alike), and answer with the outcome so the webview can say where it went.
 */
import * as vscode from 'vscode';
import type { ExportRequest, ExportResult } from '../../protocol/webview';
import { exportBytes, exportFilters, safeFileName } from './exportRequest';

export async function saveExport(request: ExportRequest, folder: vscode.Uri | undefined): Promise<ExportResult> {
  const base = { type: 'exportResult' as const, requestId: request.requestId };
  const bytes = exportBytes(request);
  if (typeof bytes === 'string') return { ...base, outcome: 'failed', detail: bytes };
  const name = safeFileName(request.suggestedName, request.format);
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    filters: exportFilters[request.format],
    saveLabel: 'Export',
    title: `Export ${request.format.toUpperCase()}`,
  });
  if (!target) return { ...base, outcome: 'cancelled' };
  try {
    await vscode.workspace.fs.writeFile(target, bytes);
    return { ...base, outcome: 'saved', detail: vscode.workspace.asRelativePath(target) };
  } catch (e) {
    return { ...base, outcome: 'failed', detail: `could not write ${target.fsPath}: ${e instanceof Error ? e.message : String(e)}` };
  }
}
