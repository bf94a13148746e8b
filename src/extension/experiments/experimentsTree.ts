/**
 * The Experiments view: experiments (the structure file runs were started from, or the search that made them) and
 * their runs, live. Each run shows its state as a coloured icon (spinning while it trains), its step, latest training
 * loss, backend and duration; context actions depend on its state (contextValue "mlbtc.run.<state>", see package.json
 * menus).
 *
 * It refreshes from the run managers' events only (through the RunService's model): a run's step, loss or state
 * changes its own row; a run added or deleted changes its experiment; the roots changing changes everything. A
 * search's row also changes when who drives it changes (RunService.onSearchControlChanged).
 * Updates are coalesced to one per UPDATE_MS, so a run logging every step does not redraw the view 50 times a
 * second. While there are no runs the view's welcome content (package.json viewsWelcome) shows instead.
 */
import { describeRunJob } from '../../runs/slurm/executor';
import * as vscode from 'vscode';
import type { RunState } from '../../protocol/run';
import { groupByExperiment, searchRefOf, type Experiment, type ExperimentGroup, type RunInfo } from '../../runs/store';
import type { RunService } from '../runs/runService';
import type { LatestLoss } from '../runs/runsModel';
import type { TrialDescription } from '../runs/trialParams';
import { formatDuration } from '../../core/format';
import { describeRun, formatLoss, runLabel, searchLabel } from '../runs/runDescription';
import { searchControlHere } from '../runs/searchControlText';
import type { ExperimentNode, ExperimentsNode, RunNode } from '../runs/targets';

const UPDATE_MS = 200;

const runIcons: Record<RunState | 'unknown', vscode.ThemeIcon> = {
  queued: new vscode.ThemeIcon('clock', new vscode.ThemeColor('testing.iconQueued')),
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  cancelled: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('testing.iconSkipped')),
  interrupted: new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  unknown: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
};

export class ExperimentsTree implements vscode.TreeDataProvider<ExperimentsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExperimentsNode | ExperimentsNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Nodes handed to VS Code, reused so that firing one of them refreshes exactly that row. */
  private readonly experimentNodes = new Map<string, ExperimentNode>();
  private readonly runNodes = new Map<string, RunNode>();
  /** The experiment each shown run was listed under (a deleted run's experiment is no longer in the model). */
  private readonly experimentOfRun = new Map<string, string>();
  private pending = new Set<ExperimentsNode>();
  private pendingAll = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly service: RunService) {
    const model = service.model;
    const events = model.onEvent(({ event }) => {
      switch (event.type) {
        case 'added':
          this.changedExperiment(event.run.experiment.key);
          return;
        case 'removed': {
          const key = this.experimentOfRun.get(event.id);
          this.runNodes.delete(event.id);
          this.experimentOfRun.delete(event.id);
          if (key) this.changedExperiment(key);
          return;
        }
        case 'state':
          this.changedRun(event.run.id);
          this.changedExperiment(event.run.experiment.key); // its "n running" count
          return;
        case 'progress':
          this.changedRun(event.run.id);
          return;
        case 'metrics':
          this.changedRun(event.id);
          return;
        default:
          return;
      }
    });
    const roots = model.onRootsChanged(() => this.refresh());
    this.subscriptions = [
      this.changed,
      { dispose: () => clearTimeout(this.timer) },
      { dispose: () => (events.dispose(), roots.dispose()) },
      service.onSearchControlChanged((key) => this.changedExperiment(key)), // "searching", "driven by …", "stopped"
    ];
  }

  /** Redraw the whole view. */
  refresh(): void {
    this.pendingAll = true;
    this.schedule();
  }

  getChildren(parent?: ExperimentsNode): ExperimentsNode[] {
    const model = this.service.start(); // the view is visible: follow the runs from now on
    if (!parent) {
      const groups = groupByExperiment(model.runs());
      return groups.map((g) => this.experimentNode(g.experiment.key));
    }
    if (parent.kind === 'run') return [];
    const runs = this.groupOf(parent.key)?.runs ?? [];
    for (const run of runs) this.experimentOfRun.set(run.id, parent.key);
    return orderInGroup(runs).map((run) => this.runNode(run.id));
  }

  getParent(node: ExperimentsNode): ExperimentsNode | undefined {
    if (node.kind === 'experiment') return undefined;
    const key = this.service.model.run(node.id)?.experiment.key;
    return key ? this.experimentNode(key) : undefined;
  }

  getTreeItem(node: ExperimentsNode): vscode.TreeItem {
    if (node.kind === 'experiment') {
      const group = this.groupOf(node.key);
      return group ? this.experimentItem(group) : new vscode.TreeItem(node.key);
    }
    const run = this.service.model.run(node.id);
    if (!run) return new vscode.TreeItem(node.id); // deleted a moment ago; the parent's refresh removes it
    return runItem(run, this.service.model.latestLoss(run.id), this.service.trialParams.of(run));
  }

  /** The node of a run, for TreeView.reveal; undefined when the run is not in the model. */
  nodeOfRun(id: string): RunNode | undefined {
    return this.service.model.run(id) ? this.runNode(id) : undefined;
  }

  /** The tree as the view shows it (labels, descriptions, context values), for tests and the API. */
  snapshot(): { item: vscode.TreeItem; children: vscode.TreeItem[] }[] {
    return this.getChildren().map((e) => ({ item: this.getTreeItem(e), children: this.getChildren(e).map((r) => this.getTreeItem(r)) }));
  }

  private experimentItem(group: ExperimentGroup): vscode.TreeItem {
    const { experiment, runs } = group;
    const search = searchRefOf(group);
    const label = search ? searchLabel(search.id, new Date()) : experiment.label;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `experiment:${experiment.key}`;
    const running = runs.filter((r) => r.state === 'running').length;
    const control = search ? searchControlHere(search, this.service.searches.isDriving(search)) : undefined;
    // Who drives a search first: it is what a narrow view must not cut.
    item.description = [control?.text ?? '', `${runs.length} run${runs.length === 1 ? '' : 's'}`, running ? `${running} running` : '']
      .filter(Boolean)
      .join(' · ');
    item.iconPath = new vscode.ThemeIcon(experiment.kind === 'search' ? 'search' : 'beaker');
    item.tooltip = experimentTooltip(experiment, runs);
    item.contextValue = control ? `mlbtc.experiment.search.${control.context}` : 'mlbtc.experiment.spec';
    // The full name (a search's id) for screen readers and for finding the row.
    item.accessibilityInformation = { label: `${experiment.label}, ${item.description}` };
    return item;
  }

  private groupOf(key: string): ExperimentGroup | undefined {
    return groupByExperiment(this.service.model.runs().filter((r) => r.experiment.key === key))[0];
  }

  private experimentNode(key: string): ExperimentNode {
    let node = this.experimentNodes.get(key);
    if (!node) this.experimentNodes.set(key, (node = { kind: 'experiment', key }));
    return node;
  }

  private runNode(id: string): RunNode {
    let node = this.runNodes.get(id);
    if (!node) this.runNodes.set(id, (node = { kind: 'run', id }));
    return node;
  }

  private changedRun(id: string): void {
    const node = this.runNodes.get(id);
    if (!node) return; // not shown yet: it appears with its experiment
    this.pending.add(node);
    this.schedule();
  }

  private changedExperiment(key: string): void {
    const node = this.experimentNodes.get(key);
    // A new experiment, or one whose last run went: the list of experiments itself changed.
    if (!node || !this.service.model.runs().some((r) => r.experiment.key === key)) this.pendingAll = true;
    else this.pending.add(node);
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.pendingAll) this.changed.fire(undefined);
      else if (this.pending.size) this.changed.fire([...this.pending]);
      this.pendingAll = false;
      this.pending = new Set();
    }, UPDATE_MS);
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}

/** Newest first for a structure's runs; by trial and rung for a search's. */
function orderInGroup(runs: readonly RunInfo[]): RunInfo[] {
  if (runs.some((r) => r.search))
    return [...runs].sort(
      (a, b) =>
        (a.search?.trial ?? 0) - (b.search?.trial ?? 0) ||
        (a.search?.rung ?? 0) - (b.search?.rung ?? 0) ||
        a.createdAt.localeCompare(b.createdAt),
    );
  return [...runs].reverse();
}

function runItem(run: RunInfo, loss: LatestLoss | null, trial: TrialDescription | undefined): vscode.TreeItem {
  const now = new Date();
  const item = new vscode.TreeItem(runLabel(run, now, trial?.params, run.experiment.label), vscode.TreeItemCollapsibleState.None);
  item.id = `run:${run.id}`;
  // A run on Slurm names its job (and, while it waits, why): its worker's pid is on another machine.
  const job = describeRunJob(run.dir);
  item.description = [describeRun(run, loss, now.getTime()), job ? `job ${job.key}` : ''].filter(Boolean).join(' · ');
  item.accessibilityInformation = { label: `${item.label as string}, ${run.id}: ${item.description}` };
  item.iconPath = runIcons[run.state];
  item.contextValue = `mlbtc.run.${run.state}`;
  const s = run.status;
  // Plain text: the exit reason and problem come from files, not from us.
  item.tooltip = [
    `${run.id}: ${run.state}`,
    trial ? `trial ${run.search!.trial}${run.search!.rung ? `, rung ${run.search!.rung}` : ''} of search ${run.search!.id}` : '',
    ...Object.entries(trial?.assignment ?? {}).map(([key, value]) => `  ${key} = ${JSON.stringify(value)}`),
    s ? `step ${s.step} of ${s.totalSteps}` : '',
    loss ? `latest training loss ${formatLoss(loss.loss)} (step ${loss.step})` : '',
    s?.runtime ? `runtime ${s.runtime}` : s?.backend ? `backend ${s.backend}` : '',
    s?.startedAt ? `started ${s.startedAt}` : '',
    s?.endedAt ? `ended ${s.endedAt}${s.startedAt ? ` after ${formatDuration(Date.parse(s.endedAt) - Date.parse(s.startedAt))}` : ''}` : '',
    s?.exitReason ?? '',
    job?.line ?? '',
    run.problem ?? '',
    run.source ? `from ${run.source}` : '',
    run.dir,
  ]
    .filter(Boolean)
    .join('\n');
  return item;
}

function experimentTooltip(experiment: Experiment, runs: readonly RunInfo[]): string {
  const source = runs.find((r) => r.source)?.source;
  return experiment.kind === 'search' ? `${experiment.label}${source ? ` of ${source}` : ''}` : (source ?? experiment.label);
}
