/**
 * CodeLens and hover over `attention` in *.mlbtc.json files (lensModel.ts decides what they say).
 *
 * Cheap by construction: validation comes from the shared per-version cache (ValidationCache), and the JSON tree,
 * analysis and lens items are computed once per document version here, so scrolling and re-requests cost a map
 * lookup. Cancelled requests return at once. The lens honours mlbtc.codeLens.enabled and refreshes when it changes
 * and after each re-validation.
 */
import { parseTree, type Node } from 'jsonc-parser';
import * as vscode from 'vscode';
import { analyze } from '../../core/analysis';
import type { Analysis } from '../../core/analysis/types';
import type { ValidationCache } from '../structures/validation';
import { groupHoverMarkdown } from './hoverMarkdown';
import { hoverPalettes, type ThemeKind } from './blockSvg';
import { keyOffset, lensItems, type LensAction, type LensItem } from './lensModel';

export const CODE_LENS_SETTING = 'mlbtc.codeLens.enabled';

interface Parsed {
  version: number;
  root: Node | undefined;
  analysis?: Analysis;
  items?: LensItem[];
}

const commandOf: Record<LensAction, string> = {
  analyze: 'mlbtc.analyze',
  train: 'mlbtc.train',
  diagram: 'mlbtc.showDiagram',
  tradeoffs: 'mlbtc.showTradeoffs',
  problems: 'workbench.actions.view.problems',
};

export class StructureLenses implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private readonly parsed = new Map<string, Parsed>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[];
  readonly onDidChangeCodeLenses = this.changed.event;

  /**
   * @param validation the shared validation cache
   * @param onDidValidate fires after a structure document was re-validated
   * @param canTrain whether the train command exists (contributed by this extension's manifest)
   */
  constructor(
    private readonly validation: ValidationCache,
    onDidValidate: vscode.Event<unknown>,
    private readonly canTrain: boolean,
  ) {
    this.subscriptions = [
      this.changed,
      onDidValidate(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(CODE_LENS_SETTING) && this.changed.fire()),
      vscode.workspace.onDidCloseTextDocument((d) => this.parsed.delete(d.uri.toString())),
    ];
  }

  private of(document: vscode.TextDocument): Parsed {
    const key = document.uri.toString();
    const cached = this.parsed.get(key);
    if (cached?.version === document.version) return cached;
    const fresh: Parsed = { version: document.version, root: parseTree(document.getText()) };
    this.parsed.set(key, fresh);
    return fresh;
  }

  private analysisOf(document: vscode.TextDocument): { parsed: Parsed; spec?: ReturnType<ValidationCache['of']>['spec'] } {
    const parsed = this.of(document);
    const { spec } = this.validation.of(document);
    if (spec && !parsed.analysis) parsed.analysis = analyze(spec);
    return { parsed, spec };
  }

  provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): vscode.CodeLens[] {
    if (token.isCancellationRequested || !vscode.workspace.getConfiguration('mlbtc', document).get<boolean>('codeLens.enabled', true))
      return [];
    const { parsed, spec } = this.analysisOf(document);
    if (token.isCancellationRequested) return [];
    parsed.items ??= lensItems({
      root: parsed.root,
      problems: this.validation.of(document).problems,
      spec,
      analysis: parsed.analysis,
      canTrain: this.canTrain,
    });
    return parsed.items.map((item) => {
      const at = document.positionAt(item.offset);
      const args =
        item.action === 'problems' || item.action === 'tradeoffs'
          ? []
          : item.group !== undefined
            ? [document.uri, { layer: item.layer ?? 0, group: item.group }]
            : [document.uri];
      return new vscode.CodeLens(new vscode.Range(at, at), {
        title: item.title,
        tooltip: item.tooltip,
        command: commandOf[item.action],
        arguments: args,
      });
    });
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): vscode.Hover | undefined {
    const { parsed, spec } = this.analysisOf(document);
    if (!spec || !parsed.analysis || token.isCancellationRequested) return undefined;
    const property = parsed.root?.children?.find((p) => p.children?.[0]?.value === 'attention');
    const offset = document.offsetAt(position);
    if (!property || offset < property.offset || offset > property.offset + property.length) return undefined;
    // Inside one pattern entry: that entry's layer structure; inside one head group's object: that group. On the key,
    // or a single structure: every group of every layer structure.
    const within = (e: { offset: number; length: number }) => offset >= e.offset && offset <= e.offset + e.length;
    let value = property.children?.[1];
    const a = parsed.analysis;
    let layers = a.layers.map((_, i) => i);
    const pattern = value?.type === 'object' ? value.children?.find((p) => p.children?.[0]?.value === 'pattern')?.children?.[1] : undefined;
    const entry = pattern?.children?.findIndex(within) ?? -1;
    if (pattern && entry >= 0) {
      layers = [a.layers.findIndex((l) => l.layers.includes(entry))];
      value = pattern.children![entry];
    }
    const inGroup = value?.type === 'array' ? (value.children?.findIndex(within) ?? -1) : -1;
    const palette = hoverPalettes[themeKind(vscode.window.activeColorTheme.kind)];
    const parts = layers.flatMap((li) =>
      (inGroup >= 0 ? [inGroup] : a.layers[li]!.groups.map((_, g) => g)).map((g) =>
        groupHoverMarkdown(spec, a.layers[li]!, g, palette, a.layers.length > 1),
      ),
    );
    const markdown = new vscode.MarkdownString(parts.join('\n\n---\n\n'));
    const start = keyOffset(parsed.root, ['attention']) ?? property.offset;
    return new vscode.Hover(markdown, new vscode.Range(document.positionAt(start), document.positionAt(property.offset + property.length)));
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

function themeKind(kind: vscode.ColorThemeKind): ThemeKind {
  switch (kind) {
    case vscode.ColorThemeKind.Light:
      return 'light';
    case vscode.ColorThemeKind.HighContrast:
      return 'high-contrast';
    case vscode.ColorThemeKind.HighContrastLight:
      return 'high-contrast-light';
    default:
      return 'dark';
  }
}
