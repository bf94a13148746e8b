/**
 * The run commands, each registered with its Workspace Trust need: what starts a worker or signals a process
 * (train, search, resume, retry, stop, show devices) only runs in a trusted folder; what reads or removes run folders runs anywhere.
 * Every command takes optional arguments (a Uri, a run id, a tree node, options) so menus and tests need no picker.
 */
import type * as vscode from 'vscode';
import { registerCommand } from '../commands/registerCommand';
import type { ValidationCache } from '../structures/validation';
import { deleteRuns, exportRun, openLog, resumeRuns, retryRuns, revealSpec, stopRuns } from './runActions';
import type { RunService } from './runService';
import { startSearch } from './searchCommand';
import { SHOW_DEVICES_COMMAND, showDevices } from './showDevices';
import { RunCommandIds, trainStructure } from './startRun';
import { SHOW_JOB_SCRIPT, showJobScript } from './slurm';

export function registerRunCommands(service: RunService, validation: ValidationCache): vscode.Disposable[] {
  return [
    registerCommand(RunCommandIds.train, 'trusted', (arg) => trainStructure(service, validation, arg)),
    registerCommand(RunCommandIds.search, 'trusted', (arg) => startSearch(service, validation, arg)),
    // A preview only: the script is shown, nothing is submitted.
    registerCommand(SHOW_JOB_SCRIPT, 'any', (arg) => showJobScript(service.extensionPath, validation, arg)),
    // Stop signals the pid a status.json names: in an untrusted folder that file could name any process.
    registerCommand(RunCommandIds.stop, 'trusted', (...args) => stopRuns(service, args)),
    registerCommand(RunCommandIds.resume, 'trusted', (...args) => resumeRuns(service, args)),
    registerCommand(RunCommandIds.retry, 'trusted', (...args) => retryRuns(service, args)),
    // Probing runs a Python interpreter: never in an untrusted folder.
    registerCommand(SHOW_DEVICES_COMMAND, 'trusted', () => showDevices(service)),
    registerCommand(RunCommandIds.delete, 'any', (...args) => deleteRuns(service, args)),
    registerCommand(RunCommandIds.export, 'any', (...args) => exportRun(service, args)),
    registerCommand(RunCommandIds.revealSpec, 'any', (...args) => revealSpec(service, args)),
    registerCommand(RunCommandIds.openLog, 'any', (...args) => openLog(service, args)),
  ];
}
