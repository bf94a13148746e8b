/**
 * The Experiments view: the runs found in mlbtc.runsDirectory of each workspace folder (a run is a subfolder with
 * a status.json). It only reads; while it is empty the view's welcome content (package.json viewsWelcome) offers
 * New Structure and Open Example. Watches the status files so runs appear and change state without a refresh.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compareRuns, summarizeStatus, type RunState, type RunSummary } from './runStatus';

export const RUNS_DIRECTORY_SETTING = 'mlbtc.runsDirectory';
const REFRESH_DEBOUNCE_MS = 250;

export interface RunNode extends RunSummary {
  folder: vscode.Uri;
}

const icons: Record<RunState | 'unknown', vscode.ThemeIcon> = {
  queued: new vscode.ThemeIcon('clock'),
  running: new vscode.ThemeIcon('sync~spin'),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  cancelled: new vscode.ThemeIcon('circle-slash'),
  interrupted: new vscode.ThemeIcon('debug-pause'),
  unknown: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
};

export class ExperimentsTree implements vscode.TreeDataProvider<RunNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  private watchers: vscode.Disposable[] = [];
  private readonly subscriptions: vscode.Disposable[];
  private timer: ReturnType<typeof setTimeout> | undefined;
  readonly onDidChangeTreeData = this.changed.event;

  constructor() {
    this.subscriptions = [
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(RUNS_DIRECTORY_SETTING) && this.rewatch()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.rewatch()),
    ];
    this.rewatch();
  }

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(run: RunNode): vscode.TreeItem {
    const item = new vscode.TreeItem(run.id, vscode.TreeItemCollapsibleState.None);
    item.description = [run.state, run.step !== undefined ? `step ${run.step}` : undefined].filter(Boolean).join(' · ');
    item.iconPath = icons[run.state];
    item.contextValue = `mlbtc.run.${run.state}`;
    const status = vscode.Uri.joinPath(run.folder, 'status.json');
    item.tooltip = new vscode.MarkdownString(
      [
        `**${run.id}**: ${run.state}`,
        run.step !== undefined ? `step ${run.step}` : '',
        run.startedAt ? `started ${run.startedAt}` : '',
        run.endedAt ? `ended ${run.endedAt}` : '',
        run.exitReason ? `reason: ${run.exitReason}` : '',
        run.unreadable ?? '',
        run.folder.fsPath,
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    item.command = { command: 'vscode.open', title: 'Open Run Status', arguments: [status] };
    return item;
  }

  async getChildren(parent?: RunNode): Promise<RunNode[]> {
    if (parent) return [];
    const runs = await Promise.all(runsDirectories().map((dir) => readRuns(dir)));
    return runs.flat().sort(compareRuns);
  }

  /** Watch `<runs dir>/*\/status.json` of every folder; re-list (debounced) when any appears, changes or goes. */
  private rewatch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = runsDirectories().map((dir) => {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(dir, '*/status.json'));
      const later = () => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.refresh(), REFRESH_DEBOUNCE_MS);
      };
      watcher.onDidCreate(later);
      watcher.onDidChange(later);
      watcher.onDidDelete(later);
      return watcher;
    });
    this.refresh();
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of [...this.watchers, ...this.subscriptions]) d.dispose();
  }
}

/** The runs directory of each workspace folder: the setting resolved against the folder unless it is absolute. */
export function runsDirectories(): vscode.Uri[] {
  return (vscode.workspace.workspaceFolders ?? []).map((folder) => {
    const setting = vscode.workspace.getConfiguration('mlbtc', folder).get<string>('runsDirectory', '.mlbtc/runs');
    return path.isAbsolute(setting) ? vscode.Uri.file(setting) : vscode.Uri.joinPath(folder.uri, setting);
  });
}

async function readRuns(dir: vscode.Uri): Promise<RunNode[]> {
  let entries: [string, vscode.FileType][];
  try {
    entries = await vscode.workspace.fs.readDirectory(dir);
  } catch {
    return []; // No runs directory yet: no runs.
  }
  const runs = await Promise.all(
    entries
      .filter(([, type]) => type === vscode.FileType.Directory)
      .map(async ([name]): Promise<RunNode | undefined> => {
        const folder = vscode.Uri.joinPath(dir, name);
        let bytes: Uint8Array;
        try {
          bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, 'status.json'));
        } catch {
          return undefined; // Not a run folder.
        }
        return { ...summarizeStatus(name, new TextDecoder().decode(bytes)), folder };
      }),
  );
  return runs.filter((r): r is RunNode => r !== undefined);
}
