/**
 * The host side of training: one run manager per runs directory (mlbtc.runsDirectory of each workspace folder),
 * behind one live model that the Experiments tree, the panels and the output channel share.
 *
 * - Lazy: nothing is read or started until something asks for the runs (the Experiments view becomes visible, a run
 *   command or panel is used), so activation stays cheap.
 * - Workers run as detached processes of dist/worker.js under this Node (process.execPath), or of the PyTorch
 *   worker under the Python pythonRuntime.ts finds: tfjs and torch never load in the extension host. They outlive the window; on the next activation the managers find them again (reattach), and
 *   on deactivation the managers only stop watching.
 * - Restricted Mode: the managers only read and never own the run queue, so a run folder that arrives queued with a
 *   cloned repository never starts a process. Trusting the folder reopens them as queue owners.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RunManager, type ManagerOptions } from '../../runs/manager';
import type { RunPointSource } from '../panels/tradeoffs/tradeoffsPanel';
import { ModelSeriesSource } from './lossesSource';
import { RunLog } from './runLog';
import { PythonRuntime } from './pythonRuntime';
import { RunsModel } from './runsModel';
import { SearchDriver } from './searchDriver';
import { localRunsDirectories, maxConcurrentRuns, Settings, workerEnv } from './settings';
import { RunNotifications } from './runNotifications';
import { RunStatusBar } from './runStatusBar';
import { RunTradeoffs } from './tradeoffRuns';
import { TrialParams } from './trialParams';
import { executorSetting, slurmExecutor } from './slurm';
import { WindowPresence } from './windowPresence';
import { searchControlHere } from './searchControlText';
import { groupByExperiment, searchRefOf } from '../../runs/store';
import { OWNER_HEARTBEAT } from '../../runfolder/lock';
import { searchControl } from '../../runs/search/searchControl';
import { listSearchIds } from '../../runs/search/searchFolder';

/** Names this window in lock files and in messages about who owns the queue or drives a search. */
const OWNER = `VS Code window (pid ${process.pid})`;

export class RunService implements vscode.Disposable {
  readonly model: RunsModel;
  readonly log: vscode.LogOutputChannel;
  private readonly tradeoffs: RunTradeoffs;
  readonly searches: SearchDriver;
  /** What each search trial varied, for labels. */
  readonly trialParams = new TrialParams();
  /** The status bar item of the runs and the notifications of their ends. */
  readonly statusBar: RunStatusBar;
  readonly notifications: RunNotifications;
  private readonly runLog: RunLog;
  private readonly workerPath: string;
  /** The PyTorch runtime: its Python, probes and launcher. */
  readonly torch: PythonRuntime;
  readonly extensionPath: string;
  /** Runs directories outside the settings' (a structure file opened without a folder) that this window trains into. */
  private readonly extraRoots = new Set<string>();
  /** Whether the window answers: a ghost extension host (window gone) lets others take the queue and searches. */
  private readonly presence = new WindowPresence();
  private readonly adoptTimer: NodeJS.Timeout;
  /** What each search's row says about who drives it (searchControlText.ts), to tell the views when that changes. */
  private readonly controlText = new Map<string, string>();
  private readonly controlChanged = new vscode.EventEmitter<string>();
  /** Fires with a search experiment's key when who drives it changes: no run event says so. */
  readonly onSearchControlChanged = this.controlChanged.event;
  private started = false;
  private readonly subscriptions: vscode.Disposable[];

  constructor(context: vscode.ExtensionContext) {
    this.workerPath = path.join(context.extensionPath, 'dist', 'worker.js');
    this.torch = new PythonRuntime(context.extensionPath);
    this.extensionPath = context.extensionPath;
    this.log = vscode.window.createOutputChannel('MLBTC Studio', { log: true });
    this.model = new RunsModel((root) => this.openManager(root));
    this.runLog = new RunLog(this.model, this.log);
    this.statusBar = new RunStatusBar(this.model, this.trialParams);
    this.notifications = new RunNotifications(this.model, this.trialParams);
    this.tradeoffs = new RunTradeoffs(this.model, this.trialParams);
    this.searches = new SearchDriver(
      this.model,
      this.log,
      OWNER,
      maxConcurrentRuns,
      (atOnce) => this.executorOptions(atOnce),
      this.presence.isPresent,
    );
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!this.started) return;
        if (e.affectsConfiguration(Settings.runsDirectory)) this.model.setRoots(this.roots());
        if (e.affectsConfiguration(Settings.maxConcurrentRuns)) this.model.reopen();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.started && this.model.setRoots(this.roots())),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.started && this.model.reopen()),
    ];
    // A search whose window closed mid-search (or left a ghost behind) is taken over by a window that is there, at once
    // and whenever it happens later, whether or not this window follows the runs yet.
    this.adoptOrphans();
    this.adoptTimer = setInterval(() => {
      this.adoptOrphans();
      this.noticeControlChanges();
    }, OWNER_HEARTBEAT.everyMs);
    this.adoptTimer.unref();
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** Follow the runs directories (first call), and return the model. */
  start(): RunsModel {
    if (!this.started) {
      this.started = true;
      this.model.setRoots(this.roots());
    } else {
      // The settings are read again on every use, so a value the change event has not reached yet is honoured too.
      this.model.setRoots(this.roots());
    }
    return this.model;
  }

  /** Make sure `root` is followed (a run is about to be created there). */
  follow(root: string): void {
    const resolved = path.resolve(root);
    if (!localRunsDirectories().some((r) => path.resolve(r) === resolved)) this.extraRoots.add(resolved);
    this.start();
  }

  /** Completed runs for the trade-offs panel; reading them starts following the runs. */
  readonly tradeoffPoints: RunPointSource = {
    points: () => {
      this.start();
      return this.tradeoffs.points();
    },
    onDidChange: (listener) => this.tradeoffs.onDidChange(listener),
  };

  /** A run source for one live-losses panel (the panel disposes it). */
  lossesSource(): ModelSeriesSource {
    this.start();
    return new ModelSeriesSource(this.model, this.trialParams);
  }

  /**
   * Drive the searches that lost their controller. The runs are followed first, so that this window's manager starts
   * the trials (and takes the queue from a ghost). Restricted Mode never drives a search: that would start processes.
   */
  private adoptOrphans(): void {
    if (!vscode.workspace.isTrusted || !this.presence.isPresent()) return;
    if (!this.started && !this.roots().some(hasOrphanedSearch)) return;
    this.start();
    this.searches.adoptOrphans(this.model.roots);
  }

  private noticeControlChanges(): void {
    if (!this.started) return;
    for (const group of groupByExperiment(this.model.runs())) {
      const ref = searchRefOf(group);
      if (!ref) continue;
      const text = searchControlHere(ref, this.searches.isDriving(ref)).text;
      if (this.controlText.get(group.experiment.key) === text) continue;
      this.controlText.set(group.experiment.key, text);
      this.controlChanged.fire(group.experiment.key);
    }
  }

  private roots(): string[] {
    return [...new Set([...localRunsDirectories().map((r) => path.resolve(r)), ...this.extraRoots])];
  }

  private openManager(root: string): RunManager {
    const trusted = vscode.workspace.isTrusted;
    return new RunManager({
      runsDir: root,
      ...(trusted ? { workerPath: this.workerPath, workerEnv, torchLauncher: this.torch.launcher() } : {}),
      queue: trusted ? 'auto' : 'never',
      maxConcurrentRuns: maxConcurrentRuns(),
      owner: OWNER,
      present: this.presence.isPresent,
      ...this.executorOptions(),
    }).open();
  }

  /**
   * Untrusted: no executor at all, so nothing is ever submitted from here (runs with a job are still shown).
   * `arrayThrottle`: the Slurm job-array tasks running at once (default mlbtc.maxConcurrentRuns).
   */
  private executorOptions(arrayThrottle?: number): Pick<ManagerOptions, 'executor' | 'slurm'> {
    return vscode.workspace.isTrusted ? { executor: executorSetting, slurm: slurmExecutor(this.extensionPath, arrayThrottle) } : {};
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.searches.dispose();
    this.runLog.dispose();
    this.statusBar.dispose();
    this.notifications.dispose();
    this.tradeoffs.dispose();
    this.model.dispose(); // the managers stop watching; detached workers keep training
    this.log.dispose();
    this.torch.dispose();
    this.presence.dispose();
    clearInterval(this.adoptTimer);
    this.controlChanged.dispose();
  }
}

function hasOrphanedSearch(root: string): boolean {
  return listSearchIds(root).some((id) => {
    try {
      return searchControl(root, id).kind === 'orphaned';
    } catch {
      return false; // unreadable: the Experiments view reports it when it is opened
    }
  });
}
