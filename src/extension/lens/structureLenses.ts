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
import { withinSpecTextLimits } from '../../core/validate';
import type { Analysis } from '../../core/analysis/types';
import type { ValidationCache } from '../structures/validation';
import { groupHoverMarkdown } from './hoverMarkdown';
import { hoverPalettes, type ThemeKind } from './blockSvg';
import { hoverTarget } from './hoverTarget';
import { lensItems, type LensAction, type LensItem } from './lensModel';

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
    const text = document.getText();
    // Text past the spec limits (nesting that would overflow the parser's stack) gets its diagnostic and no lenses.
    const fresh: Parsed = { version: document.version, root: withinSpecTextLimits(text) ? parseTree(text) : undefined };
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
    // Only on the `attention` key and a structure's `kind`: elsewhere the fields' own documentation shows.
    const target = hoverTarget(parsed.root, document.offsetAt(position));
    if (!target) return undefined;
    // A pattern entry's kind: its layer structure (layer e uses entry e); elsewhere every layer structure.
    const a = parsed.analysis;
    const layers = target.entry === undefined ? a.layers.map((_, i) => i) : [a.layers.findIndex((l) => l.layers.includes(target.entry!))];
    const palette = hoverPalettes[themeKind(vscode.window.activeColorTheme.kind)];
    const parts = layers.flatMap((li) =>
      (target.groups === 'all' ? a.layers[li]!.groups.map((_, g) => g) : [target.groups]).map((g) =>
        groupHoverMarkdown(spec, a.layers[li]!, g, palette, a.layers.length > 1),
      ),
    );
    const markdown = new vscode.MarkdownString(parts.join('\n\n---\n\n'));
    return new vscode.Hover(markdown, new vscode.Range(document.positionAt(target.start), document.positionAt(target.end)));
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
