/**
 * The commands on existing runs (Experiments view context menu, palette, tests): stop, resume, retry, delete,
 * export CSV, reveal the spec, open the log. Each takes its runs from the arguments (targets.ts) or a quick pick,
 * and every failure says what to do next.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { exportCsv } from '../../runs/csv';
import { RunFiles, type RunState } from '../../protocol/run';
import { LockedError } from '../../runfolder/lock';
import { RESUMABLE_STATES } from '../../runs/manager';
import type { RunInfo } from '../../runs/store';
import { runtimeOfSpec } from '../../runs/runtime';
import type { RunService } from './runService';
import { awaitStart, RunCommandIds } from './startRun';
import { optionsOf, pickRuns, runsFromArgs, searchFromArgs } from './targets';

const ACTIVE: readonly RunState[] = ['queued', 'running'];

/** The runs named by the arguments, else picked; undefined when there is nothing to act on. */
async function chosenRuns(
  service: RunService,
  args: unknown[],
  title: string,
  states?: readonly (RunState | 'unknown')[],
): Promise<RunInfo[] | undefined> {
  const model = service.start();
  let runs: RunInfo[];
  try {
    runs = runsFromArgs(model, args);
  } catch (e) {
    void vscode.window.showErrorMessage((e as Error).message);
    return undefined;
  }
  if (runs.length) return runs;
  return pickRuns(model, title, { states, many: true });
}

function managerOf(service: RunService, run: RunInfo) {
  const manager = service.model.managerOf(run.id);
  if (!manager) throw new Error(`${run.id} is no longer in a runs directory this window follows (mlbtc.runsDirectory changed?).`);
  return manager;
}

/** "Stop Run": runs (SIGTERM, checkpoint, cancelled) or a whole search. Resolves to the runs as they ended. */
export async function stopRuns(service: RunService, args: unknown[]): Promise<RunInfo[] | undefined> {
  const model = service.start();
  const search = searchFromArgs(model, args[0]);
  const stopOne = (run: RunInfo) => managerOf(service, run).stop(run.id);
  if (search) {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Stopping search ${search.id} and its trials` },
      async () => {
        try {
          return await service.searches.stop(search);
        } catch (e) {
          const held =
            e instanceof LockedError && e.holder
              ? ` It is driven by ${e.holder.owner} (pid ${e.holder.pid}), which did not answer the stop request; stop it there (Ctrl-C).`
              : '';
          void vscode.window.showErrorMessage(`Search ${search.id} was not stopped.${held || ` ${(e as Error).message}`}`);
          return undefined;
        }
      },
    );
  }
  const runs = await chosenRuns(service, args, 'Stop Run', ACTIVE);
  if (!runs) return undefined;
  const idle = runs.filter((r) => !ACTIVE.includes(r.state as RunState));
  if (idle.length) void vscode.window.showInformationMessage(`Nothing to stop for ${idle.map((r) => `${r.id} (${r.state})`).join(', ')}.`);
  const active = runs.filter((r) => ACTIVE.includes(r.state as RunState));
  if (!active.length) return [];
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Stopping ${active.length === 1 ? active[0]!.id : `${active.length} runs`}: saving a checkpoint`,
    },
    async () => {
      const settled = await Promise.allSettled(active.map(stopOne));
      const stopped: RunInfo[] = [];
      settled.forEach((s, i) => {
        if (s.status === 'fulfilled') stopped.push(s.value);
        else void vscode.window.showErrorMessage(`${active[i]!.id} could not be stopped: ${(s.reason as Error).message}`);
      });
      return stopped;
    },
  );
}

/** "Resume Run": continue interrupted, cancelled or failed runs from their last checkpoint, or drive a stopped search. */
export async function resumeRuns(service: RunService, args: unknown[]): Promise<RunInfo[] | undefined> {
  const model = service.start();
  const search = searchFromArgs(model, args[0]);
  if (search) {
    // A search driven elsewhere is asked to let go first (up to 30 s): cancellable progress meanwhile.
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Resuming search ${search.id} in this window` },
      async () => {
        try {
          await service.searches.resume(search);
        } catch (e) {
          const held =
            e instanceof LockedError && e.holder
              ? ` It is driven by ${e.holder.owner} (pid ${e.holder.pid}), which did not answer the request to let go; stop it there.`
              : ` ${(e as Error).message}`;
          void vscode.window.showErrorMessage(`Search ${search.id} cannot be resumed here.${held}`);
        }
      },
    );
    return [];
  }
  const runs = await chosenRuns(service, args, 'Resume Run', RESUMABLE_STATES);
  if (!runs) return undefined;
  await beforeTorchLaunch(service, runs);
  const resumed: RunInfo[] = [];
  for (const run of runs) {
    try {
      const queued = managerOf(service, run).resume(run.id);
      resumed.push(await awaitStart(service, queued, 'Resuming'));
    } catch (e) {
      void vscode.window
        .showErrorMessage(`${(e as Error).message}`, ...(run.state === 'completed' ? ['Retry Run'] : []))
        .then((c) => c && vscode.commands.executeCommand(RunCommandIds.retry, run.id));
    }
  }
  return resumed;
}

/** Runs recorded as torch start with the Python the launcher finds: let it see the Python extension's choice. */
async function beforeTorchLaunch(service: RunService, runs: readonly RunInfo[]): Promise<void> {
  const torch = runs.some((run) => {
    try {
      return runtimeOfSpec(managerOf(service, run).store.readSpec(run.id).spec) === 'torch';
    } catch {
      return false; // an unreadable spec.json: resume reports it
    }
  });
  if (torch) await service.torch.beforeLaunch(runs[0] && vscode.Uri.file(runs[0].dir));
}

/** A run still queued or training is not retried: that would train the same thing twice at once. */
const RETRYABLE: readonly (RunState | 'unknown')[] = ['completed', 'failed', 'cancelled', 'interrupted', 'unknown'];

/** "Retry Run": a new run of the same spec, overrides and search tag (the old run is kept). */
export async function retryRuns(service: RunService, args: unknown[]): Promise<RunInfo[] | undefined> {
  const chosen = await chosenRuns(service, args, 'Retry Run', RETRYABLE);
  if (!chosen) return undefined;
  const busy = chosen.filter((r) => !RETRYABLE.includes(r.state));
  if (busy.length) {
    const which = busy.map((r) => `${r.id} (${r.state})`).join(', ');
    const [verb, them] = busy.length === 1 ? ['is', 'it'] : ['are', 'them'];
    void vscode.window.showWarningMessage(`${which} ${verb} not finished, so not retried; stop ${them} first.`);
  }
  const runs = chosen.filter((r) => RETRYABLE.includes(r.state));
  await beforeTorchLaunch(service, runs);
  const started: RunInfo[] = [];
  for (const run of runs) {
    try {
      const fresh = managerOf(service, run).retry(run.id);
      service.log.info(`[${fresh.id}] created as a retry of ${run.id}`);
      started.push(await awaitStart(service, fresh, 'Starting'));
    } catch (e) {
      void vscode.window.showErrorMessage(`${run.id} cannot be retried: ${(e as Error).message}`);
    }
  }
  return started;
}

/** "Delete Run": after a modal confirmation (skipped with { confirm: true }), remove run folders. Resolves to the ids deleted. */
export async function deleteRuns(service: RunService, args: unknown[]): Promise<string[] | undefined> {
  const runs = await chosenRuns(service, args, 'Delete Run');
  if (!runs) return undefined;
  // Queued runs too: the queue owner may be starting a worker on one right now.
  const busy = runs.filter((r) => ACTIVE.includes(r.state as RunState));
  if (busy.length) {
    void vscode.window
      .showErrorMessage(
        `${busy.map((r) => `${r.id} (${r.state})`).join(', ')} ${busy.length === 1 ? 'is' : 'are'} not finished; stop ${busy.length === 1 ? 'it' : 'them'} first, then delete.`,
        'Stop Run',
      )
      .then((c) => c && vscode.commands.executeCommand(RunCommandIds.stop, { runIds: busy.map((r) => r.id) }));
    return undefined;
  }
  const confirmed = args.some((a) => optionsOf(a).confirm === true);
  if (!confirmed) {
    const what = runs.length === 1 ? `run ${runs[0]!.id}` : `${runs.length} runs`;
    const choice = await vscode.window.showWarningMessage(
      `Delete ${what}?`,
      {
        modal: true,
        detail: `${runs.length === 1 ? 'Its folder' : 'Their folders'} (metrics, checkpoints, log) will be removed from disk:\n${runs.map((r) => r.dir).join('\n')}`,
      },
      'Delete',
    );
    if (choice !== 'Delete') return undefined;
  }
  const deleted: string[] = [];
  for (const run of runs) {
    try {
      managerOf(service, run).delete(run.id);
      deleted.push(run.id);
    } catch (e) {
      void vscode.window.showErrorMessage(`${run.id} was not deleted: ${(e as Error).message}`);
    }
  }
  return deleted;
}

/**
 * "Export Run": the run's metrics as CSV, in the format of `mlbtc export ID --csv` (same function), to a file chosen
 * in a save dialog (or { uri }). Resolves to the file written.
 */
export async function exportRun(service: RunService, args: unknown[]): Promise<vscode.Uri | undefined> {
  const model = service.start();
  let runs: RunInfo[] | undefined;
  try {
    runs = runsFromArgs(model, args.slice(0, 1));
  } catch (e) {
    void vscode.window.showErrorMessage((e as Error).message);
    return undefined;
  }
  if (!runs.length) runs = await pickRuns(model, 'Export Run');
  const run = runs?.[0];
  if (!run) return undefined;
  const target =
    optionsOf(args[0]).uri ??
    (await vscode.window.showSaveDialog({
      title: `Export the metrics of ${run.id}`,
      defaultUri: vscode.Uri.joinPath(
        vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(run.dir)),
        `${run.id}.csv`,
      ),
      filters: { CSV: ['csv'] },
      saveLabel: 'Export CSV',
    }));
  if (!target) return undefined;
  const metrics = path.join(run.dir, RunFiles.metrics);
  try {
    let warnings: string[];
    if (target.scheme === 'file') {
      // Streamed: a long run's CSV never sits in memory whole.
      const fd = fs.openSync(target.fsPath, 'w');
      try {
        warnings = exportCsv(metrics, (text) => void fs.writeSync(fd, text));
      } finally {
        fs.closeSync(fd);
      }
    } else {
      const chunks: string[] = [];
      warnings = exportCsv(metrics, (text) => void chunks.push(text));
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(chunks.join('')));
    }
    for (const w of warnings) service.log.warn(`[${run.id}] export: ${w}`);
  } catch (e) {
    void vscode.window.showErrorMessage(
      `The metrics of ${run.id} could not be written to ${target.fsPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}. Choose another file.`,
    );
    return undefined;
  }
  void vscode.window
    .showInformationMessage(`Exported the metrics of ${run.id} to ${vscode.workspace.asRelativePath(target)}.`, 'Open')
    .then((c) => c && vscode.window.showTextDocument(target));
  return target;
}

/**
 * "Reveal Spec": the structure file the run (or experiment) was started from. When that file is gone, the spec the
 * run actually trained (its spec.json) instead, and a message says so.
 */
export async function revealSpec(service: RunService, args: unknown[]): Promise<vscode.Uri | undefined> {
  const runs = await chosenRuns(service, args.slice(0, 1), 'Reveal Spec');
  const run = runs?.[0];
  if (!run) return undefined;
  if (run.source && fs.existsSync(run.source)) {
    const uri = vscode.Uri.file(run.source);
    await vscode.window.showTextDocument(uri, { preview: true });
    return uri;
  }
  const snapshot = vscode.Uri.file(path.join(run.dir, RunFiles.spec));
  void vscode.window.showInformationMessage(
    `${run.source ?? 'The structure file'} no longer exists; showing the spec ${run.id} trained (spec.json in its run folder).`,
  );
  await vscode.window.showTextDocument(snapshot, { preview: true });
  return snapshot;
}

/** "Open Log": the worker's log of a run. */
export async function openLog(service: RunService, args: unknown[]): Promise<vscode.Uri | undefined> {
  const runs = await chosenRuns(service, args.slice(0, 1), 'Open Log');
  const run = runs?.[0];
  if (!run) return undefined;
  const log = path.join(run.dir, RunFiles.log);
  if (!fs.existsSync(log)) {
    void vscode.window.showInformationMessage(`${run.id} has no log yet: its worker has not started (${run.state}).`);
    return undefined;
  }
  const uri = vscode.Uri.file(log);
  await vscode.window.showTextDocument(uri, { preview: true });
  return uri;
}

/** The runs "Show Live Losses" was invoked on (the view's selection, { runIds }); empty from the palette. */
export function lossesRuns(service: RunService, args: unknown[]): string[] {
  return runsFromArgs(service.start(), args).map((r) => r.id);
}
