/**
 * "MLBTC: Open Example": the structures shipped in the extension's examples/ folder, in two tiers with the same
 * names: examples/*.mlbtc.json, scaled down to train in minutes on a CPU, and examples/paper/*.mlbtc.json, the
 * paper's exact settings (what the analysis and the trade-off view compare against).
 */
import { parse } from 'jsonc-parser';
import * as vscode from 'vscode';
import { STRUCTURE_SUFFIX } from '../structures/structureFiles';

export interface OpenExampleArgs {
  /** Path in examples/, with or without the .mlbtc.json suffix: "icl-dense" (trainable) or "paper/icl-dense". */
  name?: string;
}

/** The tiers, in the order the picker lists them; `folder` is relative to examples/. */
const TIERS = [
  { folder: '', title: 'Train in minutes on a CPU', tag: 'trainable' },
  { folder: 'paper', title: "The paper's exact settings", tag: 'paper setting' },
] as const;

/** Resolves to the example opened, or undefined when the user cancelled. */
export async function openExample(extensionUri: vscode.Uri, args?: unknown): Promise<vscode.Uri | undefined> {
  const root = vscode.Uri.joinPath(extensionUri, 'examples');
  const examples = (await Promise.all(TIERS.map((tier) => listExamples(root, tier)))).flat();
  const wanted = (args as OpenExampleArgs | undefined)?.name;
  let example: Example | undefined;
  if (wanted !== undefined) {
    example = examples.find((e) => e.path === wanted || e.path === `${wanted}${STRUCTURE_SUFFIX}`);
    if (!example)
      throw new Error(`mlbtc.openExample: no example named "${wanted}"; the examples are ${examples.map((e) => e.path).join(', ')}.`);
  } else {
    if (!examples.length) {
      void vscode.window.showErrorMessage(
        `No examples found in ${root.fsPath}: this installation of MLBTC Studio is incomplete; reinstall it.`,
      );
      return undefined;
    }
    const items = TIERS.flatMap((tier) => {
      const inTier = examples.filter((e) => e.tier === tier);
      if (!inTier.length) return [];
      const separator: vscode.QuickPickItem = { label: tier.title, kind: vscode.QuickPickItemKind.Separator };
      const picks = inTier.map((e) => ({
        label: e.path.slice(0, -STRUCTURE_SUFFIX.length),
        description: tier.tag,
        detail: e.description,
        example: e,
      }));
      return [separator, ...picks];
    });
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Open an MLBTC example',
      placeHolder: 'Structures that train in minutes, or the paper settings they scale down',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    example = picked && 'example' in picked ? picked.example : undefined;
  }
  if (!example) return undefined;
  const uri = vscode.Uri.joinPath(root, example.path);
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}

interface Example {
  tier: (typeof TIERS)[number];
  /** Path relative to examples/, e.g. "paper/icl-dense.mlbtc.json". */
  path: string;
  description?: string;
}

async function listExamples(root: vscode.Uri, tier: (typeof TIERS)[number]): Promise<Example[]> {
  const folder = tier.folder ? vscode.Uri.joinPath(root, tier.folder) : root;
  let entries: [string, vscode.FileType][];
  try {
    entries = await vscode.workspace.fs.readDirectory(folder);
  } catch {
    return [];
  }
  const files = entries
    .filter(([n, t]) => t === vscode.FileType.File && n.endsWith(STRUCTURE_SUFFIX))
    .map(([n]) => n)
    .sort();
  return Promise.all(
    files.map(async (file) => {
      // Only the description is read, for the picker; a broken example still opens (and shows its problems).
      const value: unknown = parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, file))));
      const { description } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
      return { tier, path: tier.folder ? `${tier.folder}/${file}` : file, ...(typeof description === 'string' ? { description } : {}) };
    }),
  );
}
