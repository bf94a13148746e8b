/** "MLBTC: Open Example": the structures shipped in the extension's examples/ folder, one per paper setting. */
import { parse } from 'jsonc-parser';
import * as vscode from 'vscode';
import { STRUCTURE_SUFFIX } from '../structures/structureFiles';

export interface OpenExampleArgs {
  /** File name in examples/, with or without the .mlbtc.json suffix. */
  name?: string;
}

/** Resolves to the example opened, or undefined when the user cancelled. */
export async function openExample(extensionUri: vscode.Uri, args?: unknown): Promise<vscode.Uri | undefined> {
  const folder = vscode.Uri.joinPath(extensionUri, 'examples');
  const examples = await listExamples(folder);
  const wanted = (args as OpenExampleArgs | undefined)?.name;
  let file: string | undefined;
  if (wanted !== undefined) {
    file = examples.find((e) => e.file === wanted || e.file === `${wanted}${STRUCTURE_SUFFIX}`)?.file;
    if (!file) throw new Error(`mlbtc.openExample: no example named "${wanted}"; the examples are ${examples.map((e) => e.file).join(', ')}.`);
  } else {
    if (!examples.length) {
      void vscode.window.showErrorMessage(`No examples found in ${folder.fsPath}: this installation of MLBTC Studio is incomplete; reinstall it.`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      examples.map((e) => ({ label: e.file.slice(0, -STRUCTURE_SUFFIX.length), description: e.name, detail: e.description, file: e.file })),
      { title: 'Open an MLBTC example', placeHolder: 'Paper settings and structures to start from', matchOnDetail: true },
    );
    file = picked?.file;
  }
  if (!file) return undefined;
  const uri = vscode.Uri.joinPath(folder, file);
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}

interface Example {
  file: string;
  name?: string;
  description?: string;
}

async function listExamples(folder: vscode.Uri): Promise<Example[]> {
  let entries: [string, vscode.FileType][];
  try {
    entries = await vscode.workspace.fs.readDirectory(folder);
  } catch {
    return [];
  }
  const files = entries.filter(([n, t]) => t === vscode.FileType.File && n.endsWith(STRUCTURE_SUFFIX)).map(([n]) => n).sort();
  return Promise.all(
    files.map(async (file) => {
      // Only the name and description are read, for the picker; a broken example still opens (and shows its problems).
      const value: unknown = parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, file))));
      const { name, description } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
      return { file, ...(typeof name === 'string' ? { name } : {}), ...(typeof description === 'string' ? { description } : {}) };
    }),
  );
}
