/**
 * The Experiments view: the runs in mlbtc.runsDirectory of each workspace folder, grouped by experiment (the
 * structure file they were started from, or the search that made them), as the run store lists them. It only
 * reads; while there are no runs the view's welcome content (package.json viewsWelcome) offers New Structure and
 * Open Example. Watches the status files so runs appear and change state without a refresh.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunState } from '../../protocol/run';
import { DEFAULT_RUNS_DIR } from '../../runs/layout';
import { groupByExperiment, RunStore, type ExperimentGroup, type RunInfo } from '../../runs/store';

export const RUNS_DIRECTORY_SETTING = 'mlbtc.runsDirectory';
const REFRESH_DEBOUNCE_MS = 250;

type Node = { kind: 'experiment'; group: ExperimentGroup } | { kind: 'run'; run: RunInfo };

const runIcons: Record<RunState | 'unknown', vscode.ThemeIcon> = {
  queued: new vscode.ThemeIcon('clock'),
  running: new vscode.ThemeIcon('sync~spin'),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  cancelled: new vscode.ThemeIcon('circle-slash'),
  interrupted: new vscode.ThemeIcon('debug-pause'),
  unknown: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
};

export class ExperimentsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** One store per runs directory, kept so its status cache makes re-listing cost a stat per run. */
  private stores = new Map<string, RunStore>();
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

  /** Every run of every runs directory, newest experiment activity last (the store's order). */
  runs(): RunInfo[] {
    return [...this.stores.values()].flatMap((store) => {
      try {
        return store.list();
      } catch {
        return []; // An unreadable runs directory (permissions) shows as no runs rather than breaking the view.
      }
    });
  }

  getChildren(parent?: Node): Node[] {
    if (!parent) return groupByExperiment(this.runs()).map((group) => ({ kind: 'experiment', group }));
    if (parent.kind === 'experiment') return [...parent.group.runs].reverse().map((run) => ({ kind: 'run', run }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    return node.kind === 'experiment' ? experimentItem(node.group) : runItem(node.run);
  }

  /** Watch `<runs dir>/*\/status.json` of every folder; re-list (debounced) when any appears, changes or goes. */
  private rewatch(): void {
    for (const w of this.watchers) w.dispose();
    const dirs = runsDirectories();
    this.stores = new Map(dirs.map((dir) => [dir.fsPath, this.stores.get(dir.fsPath) ?? new RunStore(dir.fsPath)]));
    this.watchers = dirs.map((dir) => {
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

function experimentItem(group: ExperimentGroup): vscode.TreeItem {
  const item = new vscode.TreeItem(group.experiment.label, vscode.TreeItemCollapsibleState.Expanded);
  item.description = `${group.runs.length} run${group.runs.length === 1 ? '' : 's'}`;
  item.iconPath = new vscode.ThemeIcon(group.experiment.kind === 'search' ? 'search' : 'beaker');
  const source = group.runs.find((r) => r.source)?.source;
  item.tooltip = source ?? group.experiment.label;
  item.contextValue = `mlbtc.experiment.${group.experiment.kind}`;
  return item;
}

function runItem(run: RunInfo): vscode.TreeItem {
  const item = new vscode.TreeItem(run.id, vscode.TreeItemCollapsibleState.None);
  const s = run.status;
  item.description = [run.state, s ? `step ${s.step} / ${s.totalSteps}` : undefined].filter(Boolean).join(' · ');
  item.iconPath = runIcons[run.state];
  item.contextValue = `mlbtc.run.${run.state}`;
  // Plain text: the exit reason and problem come from files, not from us.
  item.tooltip = [
    `${run.id}: ${run.state}`,
    s?.backend ? `backend ${s.backend}` : '',
    s?.startedAt ? `started ${s.startedAt}` : '',
    s?.endedAt ? `ended ${s.endedAt}` : '',
    s?.exitReason ?? '',
    run.problem ?? '',
    run.dir,
  ]
    .filter(Boolean)
    .join('\n');
  return item;
}

/** The runs directory of each workspace folder: the setting resolved against the folder unless it is absolute. */
export function runsDirectories(): vscode.Uri[] {
  return (vscode.workspace.workspaceFolders ?? []).map((folder) => {
    const setting = vscode.workspace.getConfiguration('mlbtc', folder).get<string>('runsDirectory') || DEFAULT_RUNS_DIR;
    return path.isAbsolute(setting) ? vscode.Uri.file(setting) : vscode.Uri.joinPath(folder.uri, setting);
  });
}
