/**
 * A notification when a run this window saw running completes or fails (completionWatch.ts decides which), with
 * "Show Losses" and "Open Log" to go straight to what comes next; and "Training …" with "Show Live Losses" when a run
 * this window created starts, also when it waited in the queue or another window's manager started it.
 */
import * as vscode from 'vscode';
import { formatDuration } from '../../core/format';
import type { RunInfo } from '../../runs/store';
import { formatLoss, runTitle } from './runDescription';
import { PANEL_COMMANDS } from '../panels/registerPanels';
import { CompletionWatch, type RunOutcome } from './completionWatch';
import type { RunsModel } from './runsModel';
import { RunCommandIds } from './startRun';
import type { TrialParams } from './trialParams';

export const NOTIFICATION_ACTIONS = { losses: 'Show Losses', log: 'Open Log' } as const;
const START_ACTIONS = { liveLosses: 'Show Live Losses' } as const;

export class RunNotifications implements vscode.Disposable {
  private readonly watch = new CompletionWatch();
  /** Runs this window queued without waiting for them: their start is announced when it comes. */
  private readonly startExpected = new Set<string>();
  private readonly subscriptions: { dispose(): void }[];
  /** Every message shown, newest last, for the integration tests (through the extension's API). */
  readonly shown: string[] = [];

  constructor(
    private readonly model: RunsModel,
    private readonly trials: TrialParams,
  ) {
    // Runs the model reads when it opens a runs directory arrive without events: note the active ones.
    const seeActive = () => {
      for (const run of model.runs()) if (run.state === 'queued' || run.state === 'running') this.watch.observe(run);
    };
    seeActive();
    this.subscriptions = [
      model.onRootsChanged(seeActive),
      model.onEvent(({ event }) => {
        if (event.type === 'added' || event.type === 'state') {
          const outcome = this.watch.observe(event.run);
          if (outcome) this.notify(event.run, outcome);
        } else if (event.type === 'removed') {
          this.watch.forget(event.id);
          this.startExpected.delete(event.id);
        }
        if ((event.type === 'state' || event.type === 'progress') && this.startExpected.has(event.run.id)) {
          const run = event.run;
          // Started: the worker has loaded its backend (it writes "running" first, then loads it).
          if (run.state === 'running' && run.status?.backend) this.announceStart(run);
          if (run.state !== 'queued' && run.state !== 'running') this.startExpected.delete(run.id); // ended first
        }
      }),
    ];
  }

  /** A run this window just created: announce its end even if it ends before the model sees it running. */
  expect(id: string): void {
    this.watch.expect(id);
  }

  /** A run this window queued and does not wait for (no free slot, or another window owns the queue). */
  expectStart(id: string): void {
    this.startExpected.add(id);
  }

  /** "Training <run> on <backend> from step …", with Show Live Losses and Open Log. */
  announceStart(run: RunInfo): void {
    this.startExpected.delete(run.id);
    const s = run.status;
    const message = `Training ${run.id} on ${s?.runtime ?? s?.backend ?? '?'} from step ${s?.step ?? 0} of ${s?.totalSteps ?? '?'}.`;
    this.shown.push(message);
    void vscode.window.showInformationMessage(message, START_ACTIONS.liveLosses, NOTIFICATION_ACTIONS.log).then((choice) => {
      if (choice === START_ACTIONS.liveLosses) void vscode.commands.executeCommand(PANEL_COMMANDS.losses, { runIds: [run.id] });
      else if (choice === NOTIFICATION_ACTIONS.log) void vscode.commands.executeCommand(RunCommandIds.openLog, run.id);
    });
  }

  private notify(run: RunInfo, outcome: RunOutcome): void {
    const title = runTitle(run, new Date(), this.trials.of(run)?.params);
    const s = run.status;
    const took = s?.startedAt && s.endedAt ? ` in ${formatDuration(Date.parse(s.endedAt) - Date.parse(s.startedAt))}` : '';
    const loss = this.model.latestLoss(run.id);
    const lossText = loss ? `, training loss ${formatLoss(loss.loss)}` : '';
    const message =
      outcome === 'completed'
        ? `${title} completed ${s?.totalSteps ?? ''} steps${took}${lossText}.`
        : outcome === 'failed'
          ? `${title} failed at step ${s?.step ?? 0}: ${s?.exitReason ?? run.problem ?? 'no reason recorded'}.`
          : `${title} stopped responding at step ${s?.step ?? 0} (its worker is gone); Resume Run continues it from its last checkpoint.`;
    this.shown.push(message);
    const actions = [NOTIFICATION_ACTIONS.losses, NOTIFICATION_ACTIONS.log];
    const shown =
      outcome === 'completed'
        ? vscode.window.showInformationMessage(message, ...actions)
        : vscode.window.showErrorMessage(message, ...actions);
    void shown.then((choice) => {
      if (choice === NOTIFICATION_ACTIONS.losses) void vscode.commands.executeCommand(PANEL_COMMANDS.losses, { runIds: [run.id] });
      else if (choice === NOTIFICATION_ACTIONS.log) void vscode.commands.executeCommand(RunCommandIds.openLog, run.id);
    });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
