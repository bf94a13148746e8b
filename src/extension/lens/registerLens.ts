import * as vscode from 'vscode';
import { structureSelector } from '../structures/structureFiles';
import type { ValidationCache } from '../structures/validation';
import { StructureLenses } from './structureLenses';

/** Command ids this extension contributes, read from its own manifest. */
function contributedCommands(context: vscode.ExtensionContext): Set<string> {
  const commands = (context.extension.packageJSON as { contributes?: { commands?: { command: string }[] } }).contributes?.commands ?? [];
  return new Set(commands.map((c) => c.command));
}

/**
 * CodeLens and hover for structure files. "▶ Train" appears only when the manifest contributes mlbtc.train (the
 * training helper adds it); reading our own manifest is synchronous and costs nothing per lens request.
 */
export function registerLens(context: vscode.ExtensionContext, validation: ValidationCache, onDidValidate: vscode.Event<unknown>): void {
  const lenses = new StructureLenses(validation, onDidValidate, contributedCommands(context).has('mlbtc.train'));
  context.subscriptions.push(
    lenses,
    vscode.languages.registerCodeLensProvider(structureSelector, lenses),
    vscode.languages.registerHoverProvider(structureSelector, lenses),
  );
}
