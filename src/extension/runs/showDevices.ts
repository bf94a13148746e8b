/**
 * "MLBTC: Show Training Devices": the Python found for the PyTorch runtime and how, what its probe reports (torch,
 * CUDA devices with memory, MPS, the compiled fast path), the tfjs backends and what "auto" picks, in a plain-text
 * document (src/runs/devices.ts writes the text, as `mlbtc devices` does). Registered as a trusted command: probing
 * runs an interpreter, which never happens in Restricted Mode.
 */
import * as vscode from 'vscode';
import { formatDevices, type DevicesReport } from '../../runs/devices';
import type { RunService } from './runService';

export const SHOW_DEVICES_COMMAND = 'mlbtc.showDevices';

/** Resolves to the report shown (tests read it). */
export async function showDevices(service: RunService): Promise<DevicesReport> {
  const resource = vscode.window.activeTextEditor?.document.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Asking Python for torch and its devices…' },
    () => service.torch.devices(resource),
  );
  const settings =
    'Settings: mlbtc.runtime picks the runtime of structures whose training.runtime is "auto"; mlbtc.python names the interpreter.\n';
  const document = await vscode.workspace.openTextDocument({ content: `${formatDevices(report)}\n${settings}`, language: 'plaintext' });
  await vscode.window.showTextDocument(document, { preview: true });
  return report;
}
