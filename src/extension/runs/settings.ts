/**
 * The settings that say where runs live and how they train: mlbtc.runsDirectory, mlbtc.maxConcurrentRuns,
 * mlbtc.backend, mlbtc.backendPackages, mlbtc.runtime, mlbtc.python, mlbtc.dataRoots and mlbtc.dataMaxMegabytes (package.json
 * describes each to users).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ResolvedSpec } from '../../core/spec/resolve';
import { BACKEND_PACKAGES_ENV, DATA_MAX_MB_ENV, DATA_ROOTS_ENV } from '../../protocol/worker';
import type { RunOverrides } from '../../protocol/run';
import { DEFAULT_RUNS_DIR } from '../../runs/layout';
import { workspaceRoot } from '../../data/dataRoots';
import { findPython, type PythonSearch } from '../../runs/python';
import type { RuntimeChoice } from '../../runs/runtime';
import type { PythonExtensionEnvironment } from './pythonExtension';

export const Settings = {
  runsDirectory: 'mlbtc.runsDirectory',
  maxConcurrentRuns: 'mlbtc.maxConcurrentRuns',
  backend: 'mlbtc.backend',
  backendPackages: 'mlbtc.backendPackages',
  runtime: 'mlbtc.runtime',
  python: 'mlbtc.python',
  dataRoots: 'mlbtc.dataRoots',
  dataMaxMegabytes: 'mlbtc.dataMaxMegabytes',
} as const;

/**
 * The runs directory of each workspace folder: the setting (resource scope, so each folder may have its own)
 * resolved against the folder unless it is absolute.
 */
export function runsDirectories(): vscode.Uri[] {
  return (vscode.workspace.workspaceFolders ?? []).map(runsDirectoryOf);
}

function runsDirectoryOf(folder: vscode.WorkspaceFolder): vscode.Uri {
  const setting = vscode.workspace.getConfiguration('mlbtc', folder).get<string>('runsDirectory') || DEFAULT_RUNS_DIR;
  return path.isAbsolute(setting) ? vscode.Uri.file(setting) : vscode.Uri.joinPath(folder.uri, setting);
}

/** Runs directories on the local disk: the run store reads and writes them with Node's fs. */
export function localRunsDirectories(): string[] {
  return runsDirectories()
    .filter((u) => u.scheme === 'file')
    .map((u) => u.fsPath);
}

/**
 * Where a run of this structure file goes: the runs directory of the workspace folder holding the file. Choice: a
 * file outside every workspace folder (opened on its own) gets the directory `mlbtc train` would use, .mlbtc/runs
 * in the nearest folder above it with a .mlbtc, .vscode or .git folder, so the CLI and the editor agree.
 */
export function runsDirectoryFor(spec: vscode.Uri): string {
  const folder = vscode.workspace.getWorkspaceFolder(spec);
  if (folder) return runsDirectoryOf(folder).fsPath;
  return path.join(workspaceRoot(path.dirname(spec.fsPath)), DEFAULT_RUNS_DIR);
}

/**
 * What a worker started here adds to its environment: the folder of optional GPU backends, the folders task data may
 * come from and the data size limit (all machine scope, so a workspace cannot point training at code or files of
 * its own choosing).
 */
export function workerEnv(): NodeJS.ProcessEnv {
  const config = vscode.workspace.getConfiguration('mlbtc');
  const folder = config.get<string>('backendPackages')?.trim();
  const data = dataEnv(config.get<string[]>('dataRoots') ?? [], config.get<number>('dataMaxMegabytes'));
  return { ...(folder ? { [BACKEND_PACKAGES_ENV]: folder } : {}), ...data };
}

/** The data rules' variables for a worker (protocol/worker.ts DATA_ROOTS_ENV, DATA_MAX_MB_ENV). */
function dataEnv(roots: readonly string[], maxMegabytes: number | undefined): NodeJS.ProcessEnv {
  const listed = roots.map((r) => r.trim()).filter((r) => path.isAbsolute(r));
  return {
    ...(listed.length ? { [DATA_ROOTS_ENV]: listed.join(path.delimiter) } : {}),
    ...(maxMegabytes !== undefined && maxMegabytes > 0 ? { [DATA_MAX_MB_ENV]: String(maxMegabytes) } : {}),
  };
}

export function maxConcurrentRuns(): number {
  return vscode.workspace.getConfiguration('mlbtc').get<number>('maxConcurrentRuns') ?? 1;
}

/**
 * The backend override for a run started from VS Code: the mlbtc.backend setting, unless the structure chose its own
 * (training.backend other than "auto"), which wins as the setting's description says.
 */
export function backendOverride(spec: ResolvedSpec): RunOverrides {
  const setting = vscode.workspace.getConfiguration('mlbtc').get<ResolvedSpec['training']['backend']>('backend') ?? 'auto';
  return spec.training.backend === 'auto' && setting !== 'auto' ? { backend: setting } : {};
}

/**
 * The runtime a run started here asks for, and who asked: the structure's training.runtime unless it is "auto", then
 * the mlbtc.runtime setting (as mlbtc.backend does for backends).
 */
export function runtimeRequest(spec: ResolvedSpec): { runtime: RuntimeChoice; from: string } {
  const setting = vscode.workspace.getConfiguration('mlbtc').get<RuntimeChoice>('runtime') ?? 'auto';
  if (spec.training.runtime !== 'auto' || setting === 'auto') return { runtime: spec.training.runtime, from: 'training.runtime' };
  return { runtime: setting, from: Settings.runtime };
}

/**
 * Where a run started here looks for Python: mlbtc.python (machine scope: a workspace cannot point training at an
 * interpreter of its choosing), MLBTC_PYTHON, the Python extension's active environment, python3 on PATH.
 */
export function pythonSearch(pythonExtension: PythonExtensionEnvironment): PythonSearch {
  return findPython({
    setting: vscode.workspace.getConfiguration('mlbtc').get<string>('python') ?? '',
    pythonExtension: () => pythonExtension.current(),
  });
}
