/**
 * The status bar item of the runs: how many run and wait, and the current run's step, loss and time left (measured
 * step time, runProgress.ts). Clicking it shows the live losses of the running runs. Hidden while nothing runs or
 * waits. Updated from the model's events only, at most every UPDATE_MS.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RunFiles } from '../../protocol/run';
import { lastMetric } from '../../runs/metrics';
import type { RunInfo } from '../../runs/store';
import { runTitle } from './runDescription';
import { PANEL_COMMANDS } from '../panels/registerPanels';
import { etaMs, runsSummary, StepTimer, type RunsSummary } from './runProgress';
import type { RunsModel } from './runsModel';
import type { TrialParams } from './trialParams';

const UPDATE_MS = 500;
export const STATUS_BAR_ID = 'mlbtc.runs';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 10);
  private readonly timers = new Map<string, StepTimer>();
  private readonly subscriptions: { dispose(): void }[];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** What the item shows now (null: hidden), for the integration tests. */
  current: RunsSummary | null = null;

  constructor(
    private readonly model: RunsModel,
    private readonly trials: TrialParams,
  ) {
    this.item.name = 'MLBTC Runs';
    this.subscriptions = [
      model.onRootsChanged(() => this.schedule()),
      model.onEvent(({ event }) => {
        if (event.type === 'metrics') {
          // The doorbell rang: the run's last train record (read from the file's end) is the next measurement.
          const latest = this.model.latestLoss(event.id);
          let timer = this.timers.get(event.id);
          if (!timer) this.timers.set(event.id, (timer = new StepTimer()));
          if (latest) timer.observe(latest);
        } else if (event.type === 'removed') this.timers.delete(event.id);
        this.schedule();
      }),
    ];
    this.update();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.update();
    }, UPDATE_MS);
  }

  private update(): void {
    const runs = this.model.runs();
    const running = runs.filter((r) => r.state === 'running');
    const queued = runs.filter((r) => r.state === 'queued').length;
    const current = running.reduce<RunInfo | undefined>(
      (a, r) => (!a || (r.status?.startedAt ?? '') > (a.status?.startedAt ?? '') ? r : a),
      undefined,
    );
    const summary = runsSummary(running.length, queued, current ? this.describe(current) : null);
    this.current = summary;
    if (!summary) {
      this.item.hide();
      return;
    }
    this.item.text = summary.text;
    this.item.tooltip = summary.tooltip;
    this.item.accessibilityInformation = { label: summary.accessible, role: 'button' };
    this.item.command = { command: PANEL_COMMANDS.losses, title: 'Show Live Losses', arguments: [{ runIds: running.map((r) => r.id) }] };
    this.item.show();
  }

  private describe(run: RunInfo) {
    const step = run.status?.step ?? 0;
    const totalSteps = run.status?.totalSteps ?? 0;
    return {
      title: runTitle(run, new Date(), this.trials.of(run)?.params),
      step,
      totalSteps,
      loss: this.model.latestLoss(run.id)?.loss ?? null,
      eta: etaMs(step, totalSteps, this.timerOf(run).msPerStep()),
    };
  }

  /** The run's step timer; a run already training when the window opened starts from its last record on disk. */
  private timerOf(run: RunInfo): StepTimer {
    let timer = this.timers.get(run.id);
    if (!timer) {
      this.timers.set(run.id, (timer = new StepTimer()));
      try {
        const last = lastMetric(path.join(run.dir, RunFiles.metrics), (r) => r.kind === 'train');
        if (last) timer.observe(last);
      } catch {
        // unreadable metrics: no measurement yet
      }
    }
    return timer;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
