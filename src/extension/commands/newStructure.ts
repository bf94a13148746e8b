/** "MLBTC: New Structure": pick a family, choose where to save, get a valid structure in the paper's setting. */
import * as vscode from 'vscode';
import { AttentionKinds, type AttentionKind } from '../../core/spec/schema';
import { families, structureFileName, structureNameOf, structureTemplateText } from '../structures/templates';

/** Automation (tests, other commands) passes these to skip the quick pick and the save dialog. */
export interface NewStructureArgs {
  family?: AttentionKind;
  uri?: vscode.Uri;
}

/** Resolves to the file written and opened, or undefined when the user cancelled. */
export async function newStructure(args?: unknown): Promise<vscode.Uri | undefined> {
  const given = parseArgs(args);
  const family = given.family ?? (await pickFamily());
  if (!family) return undefined;
  const chosen = given.uri ?? (await pickFile(family));
  if (!chosen) return undefined;
  const uri = withStructureSuffix(chosen);
  // The save dialog confirmed overwriting `chosen`; a suffix we added names another file, so ask about that one.
  if (uri.toString() !== chosen.toString() && !given.uri && (await exists(uri))) {
    const replace = await vscode.window.showWarningMessage(
      `${structureFileName(chosen.path.split('/').at(-1)!)} already exists. Replace it?`,
      { modal: true },
      'Replace',
    );
    if (replace !== 'Replace') return undefined;
  }
  const text = structureTemplateText(family, structureNameOf(uri.path));
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}

function parseArgs(args: unknown): NewStructureArgs {
  if (args === undefined || args === null) return {};
  if (typeof args !== 'object') throw new Error(`mlbtc.newStructure takes { family?, uri? }, got ${JSON.stringify(args)}.`);
  const { family, uri } = args as Record<string, unknown>;
  if (family !== undefined && !AttentionKinds.includes(family as AttentionKind)) {
    throw new Error(`mlbtc.newStructure: family must be one of ${AttentionKinds.join(', ')} (got ${JSON.stringify(family)}).`);
  }
  if (uri !== undefined && !(uri instanceof vscode.Uri)) throw new Error('mlbtc.newStructure: uri must be a vscode.Uri.');
  return { family: family as AttentionKind | undefined, uri };
}

async function pickFamily(): Promise<AttentionKind | undefined> {
  const items = families().map((f) => ({ label: f.title, description: `${f.kind} · ${f.setting}`, detail: f.description, family: f.kind }));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'New MLBTC structure',
    placeHolder: 'Attention family (each starts in the paper setting it was studied in)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.family;
}

async function pickFile(family: AttentionKind): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return vscode.window.showSaveDialog({
    title: 'Save the new structure',
    saveLabel: 'Create Structure',
    defaultUri: folder ? vscode.Uri.joinPath(folder, `${family}.mlbtc.json`) : undefined,
    // Native dialogs do not all accept a two-part extension; the suffix is completed after the dialog instead.
    filters: { 'MLBTC structure (*.mlbtc.json)': ['json'] },
  });
}

/** Only `*.mlbtc.json` gets the schema and the checks, so a name typed without the suffix gets it added. */
function withStructureSuffix(uri: vscode.Uri): vscode.Uri {
  const segments = uri.path.split('/');
  segments[segments.length - 1] = structureFileName(segments.at(-1)!);
  return uri.with({ path: segments.join('/') });
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
