/**
 * The Python extension's active environment, as the third place to look for the PyTorch worker's Python
 * (src/runs/python.ts). A soft dependency: `ms-python.python` is never required, and its public API is typed here
 * to the few members used (environments.getActiveEnvironmentPath / resolveEnvironment / onDidChangeActiveEnvironmentPath).
 *
 * Finding Python is synchronous (a launcher needs it at once), and the API's answer is not: `refresh()` asks the
 * extension (activating it when needed) and keeps the executable; `current()` returns what the last refresh found.
 * Training and Show Training Devices refresh before they choose a runtime.
 */
import * as vscode from 'vscode';

const PYTHON_EXTENSION_ID = 'ms-python.python';

interface EnvironmentPath {
  readonly id: string;
  readonly path: string;
}

interface PythonExtensionApi {
  readonly environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
    resolveEnvironment(
      environment: EnvironmentPath | string,
    ): Promise<{ readonly executable: { readonly uri: vscode.Uri | undefined } } | undefined>;
    readonly onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
}

export interface ActivePython {
  path?: string;
  /** Where this place stands, for "looked at" lists: "the Python extension: not installed", … */
  note: string;
}

export class PythonExtensionEnvironment implements vscode.Disposable {
  private last: ActivePython = { note: 'the Python extension: not asked yet' };
  private subscription: vscode.Disposable | undefined;

  current(): ActivePython {
    return this.last;
  }

  async refresh(resource?: vscode.Uri): Promise<ActivePython> {
    this.last = await this.ask(resource);
    return this.last;
  }

  private async ask(resource: vscode.Uri | undefined): Promise<ActivePython> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
    if (!extension) return { note: `the Python extension (${PYTHON_EXTENSION_ID}): not installed` };
    try {
      const api = extension.isActive ? extension.exports : await extension.activate();
      const environments = api?.environments;
      if (!environments) return { note: 'the Python extension: its version has no environments API' };
      this.subscription ??= environments.onDidChangeActiveEnvironmentPath?.(() => void this.refresh(resource));
      const active = environments.getActiveEnvironmentPath(resource);
      const executable = (await environments.resolveEnvironment(active))?.executable.uri?.fsPath;
      return executable
        ? { path: executable, note: `the Python extension's active environment: ${executable}` }
        : { note: `the Python extension's active environment (${active.path}) has no Python executable` };
    } catch (e) {
      return { note: `the Python extension: could not be asked (${(e as Error).message})` };
    }
  }

  dispose(): void {
    this.subscription?.dispose();
  }
}
