/**
 * What the CodeLens shows above a structure's `attention`, computed from the text and its validation. Pure (no
 * vscode): the provider only turns these items into CodeLenses, so the text and placement are unit-tested.
 *
 * - One group (attention is an object): the numbers of the structure, then the actions.
 *   "rank 808 / 1024 · 40.3 M score MACs/head · 5.01 M params", "▶ Train", "Diagram", "Trade-offs".
 * - Head groups (attention is a list): the model's numbers and the actions above `attention`, then one lens per
 *   group above its object: "heads 0–3 · mlr: rank 808 / 1024 · 40.3 M score MACs/head · 0 scoring params",
 *   "Diagram" (opening at that group). Choice: a group's lens shows that group's scoring parameters, since the
 *   model total is already on the `attention` line.
 * - Per-layer structures (attention.pattern): the model's numbers above `attention`, then per distinct layer
 *   structure a lens above the pattern entry that first defines it ("layers 0, 3 · dense: …"), per head group when
 *   it has several; its "Diagram" opens at that layer structure and group.
 * - Invalid file: one lens saying what is wrong first (the first error, with its line), which opens the Problems
 *   view, instead of numbers.
 */
import { findNodeAtLocation, type Node } from 'jsonc-parser';
import type { Analysis, ScoringRank } from '../../core/analysis/types';
import { groupLabel } from '../../core/layout/labels';
import type { ResolvedSpec } from '../../core/spec/resolve';
import type { LocatedProblem } from '../../core/validate/types';
import { exactCount, layerIndices, shortCount } from '../../core/format';

export type LensAction = 'analyze' | 'train' | 'diagram' | 'tradeoffs' | 'problems';

export interface LensItem {
  /** Offset in the text the lens stands above (its line is what matters). */
  offset: number;
  title: string;
  tooltip: string;
  action: LensAction;
  /** Layer structure (index into analysis.layers) and head group the action opens at (diagram of one group). */
  layer?: number;
  group?: number;
}

export interface LensInput {
  /** The document's JSON tree (jsonc-parser parseTree), undefined when nothing parses. */
  root: Node | undefined;
  problems: readonly LocatedProblem[];
  spec?: ResolvedSpec;
  analysis?: Analysis;
  /** Show "▶ Train" (only when the train command exists). */
  canTrain: boolean;
}

/** Longest problem text shown in a lens; the full message is in its tooltip and the Problems view. */
const MAX_PROBLEM_CHARS = 110;

export function rankText(rank: ScoringRank): string {
  return `rank ${rank.upperBound ? '≤ ' : ''}${exactCount(rank.scoring)} / ${exactCount(rank.max)}`;
}

export function numbersTitle(rank: ScoringRank, scoreMacsPerHead: number, params: number, paramsLabel = 'params'): string {
  return `${rankText(rank)} · ${shortCount(scoreMacsPerHead)} score MACs/head · ${shortCount(params)} ${paramsLabel}`;
}

function numbersTooltip(rank: ScoringRank, scoreMacsPerHead: number, params: number, paramsLabel: string): string {
  const space = rank.space === 'sequence' ? 'the T×T logit matrix' : 'the D×D bilinear matrix';
  return (
    `Generic rank of one head's scoring matrix (${space}): ${rank.upperBound ? 'at most ' : ''}${exactCount(rank.scoring)} of ${exactCount(rank.max)}. ` +
    `Score MACs of one head for one sequence: ${exactCount(scoreMacsPerHead)}. ${paramsLabel[0].toUpperCase()}${paramsLabel.slice(1)}: ${exactCount(params)}. Click for the full analysis.`
  );
}

export function keyOffset(root: Node | undefined, path: (string | number)[]): number | undefined {
  const node = root && findNodeAtLocation(root, path);
  if (!node) return undefined;
  // For a property value, stand above its key ("attention": …); for an array element, above the element.
  return node.parent?.type === 'property' ? node.parent.offset : node.offset;
}

function actions(offset: number, canTrain: boolean, diagram: boolean): LensItem[] {
  const items: LensItem[] = [];
  if (canTrain) items.push({ offset, title: '▶ Train', tooltip: 'Train this structure (MLBTC: Train)', action: 'train' });
  if (diagram)
    items.push({
      offset,
      title: 'Diagram',
      tooltip: 'Show the scoring matrix as blocks and its cores as a tensor network',
      action: 'diagram',
    });
  items.push({
    offset,
    title: 'Trade-offs',
    tooltip: 'Compare the compute and rank of every structure in the workspace',
    action: 'tradeoffs',
  });
  return items;
}

export function lensItems(input: LensInput): LensItem[] {
  const { root } = input;
  const attentionAt = keyOffset(root, ['attention']) ?? 0;

  if (!input.spec || !input.analysis) {
    const first = input.problems.find((p) => p.severity === 'error') ?? input.problems[0];
    if (!first) return [];
    const message = first.message.length > MAX_PROBLEM_CHARS ? `${first.message.slice(0, MAX_PROBLEM_CHARS - 1)}…` : first.message;
    const more = input.problems.length > 1 ? ` (+${input.problems.length - 1} more)` : '';
    return [
      {
        offset: attentionAt,
        title: `⚠ Line ${first.line + 1}: ${message}${more}`,
        tooltip: `${first.message}\nNo numbers until the file is valid. Click to open the Problems view.`,
        action: 'problems',
      },
    ];
  }

  const { spec, analysis: a } = input;
  if (a.layers.length === 1 && a.layers[0]!.groups.length === 1) {
    const g = a.layers[0]!.groups[0]!;
    return [
      {
        offset: attentionAt,
        title: numbersTitle(g.rank, g.macs.scoresPerHead, a.params.total),
        tooltip: numbersTooltip(g.rank, g.macs.scoresPerHead, a.params.total, 'parameters in the model'),
        action: 'analyze',
      },
      ...actions(attentionAt, input.canTrain, true),
    ];
  }

  const uniform = a.layers.length === 1;
  const items: LensItem[] = [
    {
      offset: attentionAt,
      title: uniform
        ? `${a.layers[0]!.groups.length} head groups · lowest ${rankText(a.rank)} · ${shortCount(a.params.total)} params`
        : `${a.layers.length} layer structures · lowest ${rankText(a.rank)} · ${shortCount(a.params.total)} params`,
      tooltip:
        `The model's bottleneck is the head group${uniform ? '' : ' of any layer'} with the lowest rank relative to its maximum. ` +
        `${exactCount(a.params.total)} parameters in the model. Click for the full analysis.`,
      action: 'analyze',
    },
    ...actions(attentionAt, input.canTrain, false),
  ];
  // Layer ℓ is written at pattern entry ℓ mod n; a uniform spec at `attention` itself.
  const entries = root && findNodeAtLocation(root, ['attention', 'pattern'])?.children?.length;
  a.layers.forEach((la, li) => {
    const base = entries ? ['attention', 'pattern', la.layers[0]! % entries] : ['attention'];
    const prefix = uniform ? '' : `layers ${layerIndices(la.layers)} · `;
    const groups = spec.layers[la.layers[0]!]!.groups;
    la.groups.forEach((g, i) => {
      const path = la.groups.length > 1 ? [...base, i] : base;
      const at = keyOffset(root, path) ?? attentionAt;
      const label = prefix + groupLabel({ heads: groups[i]!.heads, firstHead: groups[i]!.firstHead, kind: g.kind }, spec.model.heads);
      items.push(
        {
          offset: at,
          title: `${label}: ${numbersTitle(g.rank, g.macs.scoresPerHead, g.scoringParams, 'scoring params')}`,
          tooltip: numbersTooltip(
            g.rank,
            g.macs.scoresPerHead,
            g.scoringParams,
            `scoring parameters of this group${uniform ? '' : ', one layer'}`,
          ),
          action: 'analyze',
          layer: li,
          group: i,
        },
        {
          offset: at,
          title: 'Diagram',
          tooltip: `Show the scoring matrix of ${label} as blocks and cores`,
          action: 'diagram',
          layer: li,
          group: i,
        },
      );
    });
  });
  return items;
}
