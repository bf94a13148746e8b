/**
 * The analysis of a structure as Markdown, shown in VS Code's Markdown preview (which follows the light, dark and
 * high-contrast themes by itself). Pure: it formats what core `analyze` computed and adds no arithmetic beyond
 * shares of a total, so the numbers here are exactly the CLI's.
 */
import type { Analysis, GroupAnalysis, LayerAnalysis, ScoringSpace } from '../../core/analysis/types';
import type { ResolvedSpec, ResolvedTask } from '../../core/spec/resolve';
import type { LocatedProblem } from '../../core/validate/types';
import { exactCount, layerIndices, shortBytes, shortCount, structureLabel } from '../../core/format';

/** Full analysis of a valid structure read from `fileName`. */
export function analysisMarkdown(fileName: string, spec: ResolvedSpec, a: Analysis): string {
  const m = spec.model;
  const uniform = a.layers.length === 1;
  const layersText = (l: LayerAnalysis) => `layers ${layerIndices(l.layers)}`;
  const lines = [
    `# ${escape(spec.name)}: analysis`,
    '',
    `${escape(fileName)}: ${escape(taskSummary(spec.task))}; width ${m.width}, ${m.heads} heads of ${m.headDim}, ${m.layers} layers, sequence length ${m.seqLen}, MLP ${m.mlpRatio}×.`,
    ...(spec.description ? ['', `> ${escape(spec.description)}`] : []),
    '',
    'Exact counts for the model as the reference builds it (pre-LN blocks, no biases, untied output head, learned positions, QK-norm gains), float32.',
    '',
    '## Parameters',
    '',
    table(
      ['', 'parameters', ''],
      [
        ['**Total**', `**${exactCount(a.params.total)}**`, shortCount(a.params.total)],
        ...a.layers.map((l) => [
          uniform ? 'One layer' : `One layer of ${layersText(l)} (${escape(structureLabel(l.groups))})`,
          exactCount(l.params),
          `× ${l.layers.length} layers = ${shortCount(l.params * l.layers.length)}`,
        ]),
        ['Outside the layers', exactCount(sum(Object.values(a.params.outside))), shortCount(sum(Object.values(a.params.outside)))],
      ],
      ['l', 'r', 'r'],
    ),
    '',
    ...a.layers.flatMap((l) => [
      uniform ? '### One layer, by component' : `### One layer of ${layersText(l)}, by component`,
      '',
      shareTable(l.components, l.params, 'component'),
      '',
    ]),
    '### Outside the layers',
    '',
    shareTable(a.params.outside, a.params.total, 'part', 'of total'),
    '',
    '## Compute (forward multiply-accumulates)',
    '',
    table(
      ['', 'MACs', ''],
      [
        ...a.layers.map((l) => [
          `Projections and MLP, per token, one layer${uniform ? '' : ` of ${layersText(l)}`}`,
          exactCount(l.macs.perToken),
          shortCount(l.macs.perToken),
        ]),
        ['Per token, all layers and the output head', exactCount(a.macs.perToken), shortCount(a.macs.perToken)],
        ['Attention scores, one head, one sequence', exactCount(a.macs.scoresPerHead), shortCount(a.macs.scoresPerHead)],
        ['Attention × values, one head, one sequence', exactCount(a.macs.avPerHead), shortCount(a.macs.avPerHead)],
        [`**One whole sequence** (T = ${m.seqLen})`, `**${exactCount(a.macs.perSequence)}**`, shortCount(a.macs.perSequence)],
      ],
      ['l', 'r', 'r'],
    ),
    '',
    '## Scoring rank',
    '',
    `Bottleneck over all heads${uniform ? '' : ' of all layers'}: **${rankText(a.rank)}**. ${spaceNote(a.rank.space, spec)}`,
    '',
    uniform ? '## Head groups' : '## Layers and head groups',
    '',
    table(
      [
        ...(uniform ? [] : ['layers']),
        'group',
        'heads',
        'family',
        'rank',
        'scoring params',
        'score MACs / head / seq',
        'A·V MACs / head / seq',
        'Q/K-side MACs / token',
        'KV cache / token',
      ],
      a.layers.flatMap((l) => l.groups.map((g) => [...(uniform ? [] : [layerIndices(l.layers)]), ...groupRow(g)])),
      [...(uniform ? [] : ['l' as const]), 'r', 'r', 'l', 'l', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    '## Memory (float32)',
    '',
    table(
      ['', 'bytes', ''],
      [
        ['KV cache per generated token, all layers', exactCount(a.kvCacheBytesPerToken), shortBytes(a.kvCacheBytesPerToken)],
        [
          `KV cache for a full context (T = ${m.seqLen})`,
          exactCount(a.kvCacheBytesPerToken * m.seqLen),
          shortBytes(a.kvCacheBytesPerToken * m.seqLen),
        ],
        [
          'Activations kept for backward, per training sequence',
          exactCount(a.activationBytesPerSequence),
          shortBytes(a.activationBytesPerSequence),
        ],
        [
          `Activations per training batch (${spec.training.batchSize} sequences)`,
          exactCount(a.activationBytesPerSequence * spec.training.batchSize),
          shortBytes(a.activationBytesPerSequence * spec.training.batchSize),
        ],
      ],
      ['l', 'r', 'r'],
    ),
    '',
  ];
  return lines.join('\n');
}

/** What the view shows while the structure is invalid: every problem with its 1-based position. */
export function invalidMarkdown(fileName: string, problems: LocatedProblem[]): string {
  const errors = problems.filter((p) => p.severity === 'error');
  return [
    `# ${escape(fileName)}: not analysable`,
    '',
    `The structure has ${errors.length === 1 ? 'a problem' : `${errors.length} problems`} to fix first (they are also in the Problems panel):`,
    '',
    ...errors.map(
      (p) => `- line ${p.line + 1}, column ${p.column + 1} (${escape(p.path.join('.') || '(root)')}): ${escape(p.message)} \`[${p.code}]\``,
    ),
    '',
  ].join('\n');
}

function groupRow(g: GroupAnalysis): string[] {
  return [
    String(g.group + 1),
    String(g.heads),
    g.kind,
    rankText(g.rank),
    exactCount(g.scoringParams),
    shortCount(g.macs.scoresPerHead),
    shortCount(g.macs.avPerHead),
    shortCount(g.macs.projectionsPerToken),
    shortBytes(g.kvCacheBytesPerToken),
  ];
}

function rankText(r: { scoring: number; max: number; space: ScoringSpace }): string {
  return `${exactCount(r.scoring)} / ${exactCount(r.max)} (${r.space})`;
}

function spaceNote(space: ScoringSpace, spec: ResolvedSpec): string {
  return space === 'features'
    ? `The rank of each head's ${spec.model.width}×${spec.model.width} feature-space bilinear form (the maximum is the width D).`
    : `The rank of each head's ${spec.model.seqLen}×${spec.model.seqLen} score matrix over positions (the maximum is the sequence length T).`;
}

function taskSummary(t: ResolvedTask): string {
  switch (t.kind) {
    case 'icl-regression':
      return `in-context linear regression, input dimension ${t.inputDim}`;
    case 'language-model':
      return `character language model, vocabulary ${t.vocabSize}${t.data ? ` (${t.data})` : ''}`;
    case 'forecast':
      return `forecasting ${t.channels} channel${t.channels === 1 ? '' : 's'}, lookback ${t.lookback}, horizon ${t.horizon}${t.data ? ` (${t.data})` : ''}`;
  }
}

function shareTable(parts: Record<string, number>, total: number, label: string, shareLabel = 'share'): string {
  const rows = Object.entries(parts).map(([k, v]) => [`\`${k}\``, exactCount(v), total > 0 ? `${((100 * v) / total).toFixed(1)} %` : '–']);
  return table([label, 'parameters', shareLabel], rows, ['l', 'r', 'r']);
}

function table(header: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const rule = align.map((x) => (x === 'r' ? '---:' : ':---'));
  return [header, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function sum(values: number[]): number {
  return values.reduce((s, v) => s + v, 0);
}

/** Text from the file (names, descriptions, messages) must not break tables or start Markdown/HTML constructs. */
function escape(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}
