/**
 * What "MLBTC: Show Study" shows: from its argument (an Experiments search node or { searchId }, a runs folder
 * Uri, or { runsDir, searchIds }), else from a pick of the searches in the workspace's runs directories, every run
 * of one of them, or another runs folder chosen in a dialog.
 */
import * as vscode from 'vscode';
import { listSearchIds, readSearchFile } from '../../../runs/search/searchFolder';
import { localRunsDirectories } from '../../runs/settings';
import type { StudySubject } from './studyPanel';

export function studySubjectOf(
  arg: unknown,
  searchOf: (arg: unknown) => { root: string; id: string } | undefined,
): StudySubject | undefined {
  if (arg instanceof vscode.Uri) return { runsDir: arg.fsPath, searchIds: [] };
  const o = arg as Partial<StudySubject> | undefined;
  if (typeof o?.runsDir === 'string')
    return { runsDir: o.runsDir, searchIds: Array.isArray(o.searchIds) ? o.searchIds.filter((s) => typeof s === 'string') : [] };
  const search = arg === undefined ? undefined : searchOf(arg);
  return search && { runsDir: search.root, searchIds: [search.id] };
}

export async function pickStudySubject(): Promise<StudySubject | undefined> {
  type Item = vscode.QuickPickItem & { subject?: StudySubject };
  const items: Item[] = [];
  for (const runsDir of localRunsDirectories()) {
    let ids: string[] = [];
    try {
      ids = listSearchIds(runsDir);
    } catch {
      continue; // no runs folder yet
    }
    for (const id of ids.reverse()) {
      let detail: string | undefined;
      try {
        const file = readSearchFile(runsDir, id);
        detail = `${file.plan.trials.length} trials · ${vscode.workspace.asRelativePath(file.source.path)}`;
      } catch {
        detail = undefined;
      }
      items.push({
        label: `$(search) ${id}`,
        description: vscode.workspace.asRelativePath(runsDir),
        detail,
        subject: { runsDir, searchIds: [id] },
      });
    }
    items.push({ label: `$(folder) Every search in ${vscode.workspace.asRelativePath(runsDir)}`, subject: { runsDir, searchIds: [] } });
  }
  items.push({ label: '$(folder-opened) Another runs folder…' });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Show Study',
    placeHolder: 'A search (its trials by family), or a folder of runs',
  });
  if (!picked) return undefined;
  if (picked.subject) return picked.subject;
  const folder = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    title: 'Runs folder to study',
    openLabel: 'Show Study',
  });
  return folder?.[0] && { runsDir: folder[0].fsPath, searchIds: [] };
}
