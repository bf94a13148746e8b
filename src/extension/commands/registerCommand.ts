/**
 * Command registration with Workspace Trust built in. package.json declares limited support for untrusted
 * folders: everything that only reads and computes (validation, analysis, views) runs there, and nothing that
 * spawns a process (training, search) ever does. Every command states which it is, so a new one cannot forget.
 */
import * as vscode from 'vscode';

/** 'any': reads and computes only. 'trusted': starts processes or runs user-controlled code. */
export type Trust = 'any' | 'trusted';

export function registerCommand(id: string, trust: Trust, run: (...args: unknown[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, (...args: unknown[]) => {
    if (trust === 'trusted' && !vscode.workspace.isTrusted) {
      void vscode.window
        .showWarningMessage(
          'This command starts processes, so it only runs in a trusted folder. Validation and analysis work here as they are.',
          'Manage Workspace Trust',
        )
        .then((choice) => choice && vscode.commands.executeCommand('workbench.trust.manage'));
      return undefined;
    }
    return run(...args);
  });
}
