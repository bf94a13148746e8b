/**
 * Starting runs from the editor: the structure to train, validated first, and the wait for its worker to start
 * (a cancellable notification), shared by Train, Resume and Retry.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ResolvedSpec } from '../../core/spec/resolve';
import type { LocatedProblem } from '../../core/validate/types';
import { recordRuntime, RuntimeError, type ChosenRuntime } from '../../runs/runtime';
import { checkTaskData, DataError } from '../../data';
import { launchState } from '../../runs/launchMarker';
import type { RunInfo } from '../../runs/store';
import { problemRange } from '../editor/diagnostics';
import { baseName } from '../structures/structureFiles';
import type { ValidationCache } from '../structures/validation';
import type { RunService } from './runService';
import { SHOW_DEVICES_COMMAND } from './showDevices';
import { backendOverride, maxConcurrentRuns, runsDirectoryFor, Settings } from './settings';
import { structureUri } from './targets';
import { awaitSubmission } from './slurm';

/** How long the notification waits for a worker to load the engine and start training before it gives up waiting. */
const START_TIMEOUT_MS = 90_000;

export const RunCommandIds = {
  train: 'mlbtc.train',
  search: 'mlbtc.startSearch',
  stop: 'mlbtc.stopRun',
  resume: 'mlbtc.resumeRun',
  retry: 'mlbtc.retryRun',
  delete: 'mlbtc.deleteRun',
  export: 'mlbtc.exportRun',
  revealSpec: 'mlbtc.revealSpec',
  openLog: 'mlbtc.openRunLog',
} as const;

/**
 * "MLBTC: Train Structure". Resolves to the run once its worker has started (or once it is queued behind others),
 * undefined when nothing was started (invalid structure, no file chosen).
 *
 * Choice: unsaved edits are saved first. The run records the file's text and resolves data paths against the file's
 * folder, so what trains must be what is on disk.
 */
export async function trainStructure(service: RunService, validation: ValidationCache, arg: unknown): Promise<RunInfo | undefined> {
  const uri = await structureUri(arg, 'Train Structure');
  if (!uri) return undefined;
  const document = await vscode.workspace.openTextDocument(uri);
  if (document.isDirty && !(await document.save())) {
    void vscode.window.showErrorMessage(`${baseName(uri)} has unsaved changes that could not be saved; save it, then train again.`);
    return undefined;
  }
  const { spec, problems } = validation.of(document);
  if (!spec) {
    reportInvalid(document, problems, 'trained');
    return undefined;
  }
  // The data is read and checked before a run folder exists, as `mlbtc train` does: a bad file leaves nothing behind.
  try {
    checkTaskData(spec, path.dirname(uri.fsPath));
  } catch (e) {
    const where = e instanceof DataError ? e.file : uri.fsPath;
    const why = (e as Error).message.replace(/\.$/, '');
    void vscode.window
      .showErrorMessage(`${baseName(uri)} cannot be trained: ${why}. Nothing was started.`, 'Open Structure')
      .then((c) => c && vscode.window.showTextDocument(uri));
    service.log.warn(`[train] ${uri.fsPath}: the task's data cannot be used (${where}); nothing was started`);
    return undefined;
  }
  const chosen = await chooseRunRuntime(service, spec, uri);
  if (!chosen) return undefined;
  const backend = backendOverride(spec);
  const { spec: recorded, overrides } = recordRuntime({ ...spec, training: { ...spec.training, ...backend } }, backend, chosen.runtime);
  const root = runsDirectoryFor(uri);
  service.follow(root);
  const manager = service.model.manager(root)!;
  const run = manager.enqueue({ spec: recorded, sourcePath: uri.fsPath, sourceText: document.getText(), overrides });
  const device =
    chosen.runtime === 'torch'
      ? `device ${spec.training.device}, ${spec.training.precision}`
      : `backend ${recorded.training.backend}${overrides.backend ? ' (mlbtc.backend)' : ''}`;
  service.log.info(
    `[${run.id}] created from ${uri.fsPath}: ${spec.training.steps} steps, runtime ${chosen.why}, ${device}; folder ${run.dir}`,
  );
  return awaitStart(service, run, 'Starting');
}

/**
 * The runtime of a new run (runtime.ts), with a cancellable notification while Python is asked for its devices (the
 * first probe imports torch: seconds). A forced runtime that cannot start is reported, with the way to fix it.
 */
export async function chooseRunRuntime(service: RunService, spec: ResolvedSpec, uri: vscode.Uri): Promise<ChosenRuntime | undefined> {
  const abort = new AbortController();
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Choosing the training runtime', cancellable: true },
      (progress, token) => {
        progress.report({ message: 'asking Python for torch and its devices…' });
        token.onCancellationRequested(() => abort.abort());
        return service.torch.choose(spec, uri, abort.signal);
      },
    );
  } catch (e) {
    if (!(e instanceof RuntimeError)) throw e;
    if (abort.signal.aborted) return undefined; // the user cancelled: nothing to explain
    void vscode.window
      .showErrorMessage(`${baseName(uri)}: nothing was started. ${e.message}`, 'Show Training Devices', 'Set mlbtc.python')
      .then((choice) => {
        if (choice === 'Show Training Devices') void vscode.commands.executeCommand(SHOW_DEVICES_COMMAND);
        else if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', Settings.python);
      });
    return undefined;
  }
}

/** Say that a structure has errors, which first, and offer to show them. Not awaited: callers never wait on a click. */
export function reportInvalid(document: vscode.TextDocument, problems: readonly LocatedProblem[], what: 'trained' | 'searched'): void {
  const errors = problems.filter((p) => p.severity === 'error');
  const first = errors[0] ?? problems[0];
  const where = first ? ` Line ${first.line + 1}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}` : '';
  void vscode.window
    .showErrorMessage(`${baseName(document.uri)} is not a valid structure, so nothing was ${what}.${where}`, 'Show Problems')
    .then(async (choice) => {
      if (!choice) return;
      await vscode.window.showTextDocument(document, first ? { selection: problemRange(document, first) } : {});
      await vscode.commands.executeCommand('workbench.actions.view.problems');
    });
}

/**
 * Wait until a queued run's worker has started, showing a cancellable notification (cancelling stops the run). A run
 * waiting for a free slot, or for another process that owns the queue, is not waited for: a message says so.
 * Resolves to the run as it is then.
 */
export async function awaitStart(service: RunService, run: RunInfo, verb: string): Promise<RunInfo> {
  const manager = service.model.manager(path.dirname(run.dir))!;
  service.notifications.expect(run.id); // its end is announced (runNotifications.ts), however soon it comes
  const onSlurm = await awaitSubmission(manager, run);
  if (onSlurm) return onSlurm;
  if (run.state === 'queued' && launchState(run.dir).state !== 'starting') {
    const why = manager.ownsQueue
      ? `it starts when one of the ${maxConcurrentRuns()} slots (mlbtc.maxConcurrentRuns) is free`
      : 'another VS Code window or an mlbtc command owns the run queue of this folder and starts it when a slot is free';
    service.notifications.expectStart(run.id);
    void vscode.window.showInformationMessage(`${run.id} is queued: ${why}; you will be told when it starts.`);
    return run;
  }
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `${verb} ${run.id}`, cancellable: true },
    async (progress, token) => {
      progress.report({ message: 'waiting for the worker to load the engine…' });
      const cancel = token.onCancellationRequested(() => {
        void manager.stop(run.id).catch((e: unknown) => service.log.error(`[${run.id}] could not be stopped: ${(e as Error).message}`));
      });
      try {
        // Started: the worker has its backend (it writes "running" first, then loads the engine and the backend).
        const started = await manager.waitFor(
          run.id,
          (r) => r.state !== 'queued' && !(r.state === 'running' && !r.status?.backend),
          START_TIMEOUT_MS,
        );
        reportStart(service, started, token.isCancellationRequested);
        return started;
      } catch (e) {
        void vscode.window
          .showWarningMessage(
            `${run.id} has not started after ${START_TIMEOUT_MS / 1000} s (${(e as Error).message}). Its log may say why; the run stays queued.`,
            'Open Log',
          )
          .then((choice) => choice && vscode.commands.executeCommand(RunCommandIds.openLog, run.id));
        return manager.get(run.id);
      } finally {
        cancel.dispose();
      }
    },
  );
}

function reportStart(service: RunService, run: RunInfo, cancelled: boolean): void {
  const s = run.status;
  const openLog = (choice: string | undefined) => choice === 'Open Log' && vscode.commands.executeCommand(RunCommandIds.openLog, run.id);
  switch (run.state) {
    case 'running':
      service.notifications.announceStart(run);
      return;
    case 'completed':
    case 'failed':
    case 'interrupted':
      return; // announced by the run notifications, with their actions
    case 'cancelled':
      void vscode.window.showInformationMessage(
        cancelled
          ? `${run.id} was stopped before it trained; resume it from the Experiments view.`
          : `${run.id} was cancelled: ${s?.exitReason ?? ''}`,
      );
      return;
    default:
      void vscode.window
        .showErrorMessage(
          `${run.id} ${run.state}: ${s?.exitReason ?? run.problem ?? 'no reason recorded'}. Fix the cause, then Retry Run (a new run) or Resume Run.`,
          'Open Log',
        )
        .then(openLog);
  }
}
