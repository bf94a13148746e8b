/**
 * The PyTorch runtime as this window sees it: where its Python is (settings.ts pythonSearch, with the Python
 * extension's active environment), the cached probes of those interpreters, the launcher the run managers use for
 * torch runs, and the runtime choice for a new run (src/runs/runtime.ts). One per window, owned by the run service.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ResolvedSpec } from '../../core/spec/resolve';
import { BACKEND_PACKAGES_ENV } from '../../protocol/worker';
import { devicesReport, type DevicesReport } from '../../runs/devices';
import { launchTorchWorker, type Launcher } from '../../runs/launch';
import { ProbeCache, type ProbeResult } from '../../runs/python';
import { chooseRuntime, type ChosenRuntime } from '../../runs/runtime';
import { PythonExtensionEnvironment } from './pythonExtension';
import { pythonSearch, runtimeRequest, Settings } from './settings';

export class PythonRuntime implements vscode.Disposable {
  private readonly pythonExtension = new PythonExtensionEnvironment();
  private readonly probes = new ProbeCache();
  /** src/pytorch of the installed extension (the .vsix ships it) or of the checkout: mlbtc_torch lives there. */
  readonly packageDir: string;
  private readonly subscription: vscode.Disposable;

  constructor(extensionPath: string) {
    this.packageDir = path.join(extensionPath, 'src', 'pytorch');
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(Settings.python)) this.probes.forget();
    });
  }

  /** For torch runs: the interpreter is looked up at each launch, from the settings as they are then. */
  launcher(): Launcher {
    return launchTorchWorker(() => {
      const search = pythonSearch(this.pythonExtension);
      return search.found ?? { error: `no Python was found for the PyTorch worker (looked at ${search.looked.join('; ')})` };
    }, this.packageDir);
  }

  /**
   * Before a torch run is resumed or retried: ask the Python extension for its active environment, so the launcher
   * (which cannot wait) sees it after a window reload too.
   */
  async beforeLaunch(resource?: vscode.Uri): Promise<void> {
    await this.pythonExtension.refresh(resource);
  }

  private probe(python: string, signal?: AbortSignal): Promise<ProbeResult> {
    return this.probes.probe(python, this.packageDir, signal);
  }

  /** The runtime of a new run of `spec` (a file at `resource`); throws RuntimeError when a forced one cannot start. */
  async choose(spec: ResolvedSpec, resource: vscode.Uri, signal?: AbortSignal): Promise<ChosenRuntime> {
    const request = runtimeRequest(spec);
    if (request.runtime === 'tfjs') return { runtime: 'tfjs', why: `${request.from} is "tfjs"` };
    await this.pythonExtension.refresh(resource);
    return chooseRuntime(
      { runtime: request.runtime, device: spec.training.device, runtimeFrom: request.from, deviceFrom: 'training.device' },
      { findPython: () => pythonSearch(this.pythonExtension), probe: (python, s) => this.probe(python, s) },
      signal,
    );
  }

  /** What Show Training Devices shows: probed afresh, since the user asks after installing something. */
  async devices(resource: vscode.Uri | undefined): Promise<DevicesReport> {
    this.probes.forget();
    await this.pythonExtension.refresh(resource);
    const backendPackages =
      vscode.workspace.getConfiguration('mlbtc').get<string>('backendPackages')?.trim() || process.env[BACKEND_PACKAGES_ENV];
    return devicesReport(pythonSearch(this.pythonExtension), (python) => this.probe(python), backendPackages);
  }

  dispose(): void {
    this.subscription.dispose();
    this.pythonExtension.dispose();
  }
}
