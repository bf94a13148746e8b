/**
 * Structure diagram webview: the scoring matrix of one head group as blocks (matrix view) or its cores as a
 * tensor network, with group/level selectors, a colour toggle and PNG/SVG/CSV export.
 */
import { groupLabel } from '../../src/core/layout/labels';
import { exactCount, layerIndices, shortCount } from '../../src/core/format';
import type { DiagramFromWebview, DiagramModel, DiagramProblemMessage, DiagramState, DiagramToWebview } from '../../src/protocol/webview';
import baseCss from '../shared/base.css';
import { emptyNote, panelHeader, radios, select, spacer, toolbar, type Choice } from '../shared/controls';
import { toCsv } from '../../src/core/csv';
import { exportButtons, Exporter } from '../shared/export';
import { connectToHost, scriptStartMs } from '../shared/host';
import { adoptStyles } from '../shared/styles';
import { onThemeChange, readTheme } from '../shared/theme';
import { Tooltip } from '../shared/tooltip';
import css from './diagram.css';
import { drawMatrix } from './matrixView';
import { drawNetwork } from './networkView';

adoptStyles(baseCss, css);

let model: DiagramModel | undefined;
let theme = readTheme();
const host = connectToHost<DiagramToWebview, DiagramFromWebview, DiagramState>(receive);
// A state saved before per-layer structures has no layer: the first.
let state: DiagramState = { uri: '', layer: 0, group: 0, level: -1, colourBy: 'rank', view: 'matrix', ...host.savedState() };

const app = document.getElementById('app')!;
const { header, title, summary } = panelHeader('');

const layerSelect = select<string>('Layers', 'layer-select', [], '0', (v) => setState({ layer: Number(v), group: 0, level: -1 }));
const groupSelect = select<string>('Head group', 'group-select', [], '0', (v) => setState({ group: Number(v), level: -1 }));
const levelSelect = select<string>('Level', 'level-select', [], '-1', (v) => setState({ level: Number(v) }));
const exports = document.createElement('div');
exports.className = 'group';
const colourBy = radios(
  'Colour by',
  'colour-by',
  [
    { value: 'rank', label: 'Rank' },
    { value: 'macs', label: 'MACs' },
  ],
  state.colourBy,
  (v) => setState({ colourBy: v }),
);
const bar = toolbar(
  layerSelect.element,
  groupSelect.element,
  levelSelect.element,
  colourBy,
  radios(
    'View',
    'view',
    [
      { value: 'matrix', label: 'Blocks' },
      { value: 'network', label: 'Tensor network' },
    ],
    state.view,
    (v) => setState({ view: v }),
  ),
  spacer(),
  exports,
);
const notice = document.createElement('div');
notice.className = 'notice';
notice.hidden = true;
notice.setAttribute('role', 'alert');
const groupLine = document.createElement('div');
groupLine.className = 'group-line';
const figure = document.createElement('div');
figure.id = 'figure';
const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
figure.append(svg);
const empty = emptyNote('Reading the structure…');
app.append(header, bar, notice, groupLine, figure, empty);

const tooltip = new Tooltip();
const exporter = new Exporter(host.post);
exportButtons(exports, exporter, {
  figure: () => (model ? svg : undefined),
  csv: levelsCsv,
  baseName: () => `${model?.fileName.replace(/\.mlbtc\.json$/, '') ?? 'structure'}.${state.view === 'matrix' ? 'blocks' : 'network'}`,
  background: () => theme.background,
});

function receive(message: DiagramToWebview): void {
  switch (message.type) {
    case 'diagram/model':
      model = message.model;
      notice.hidden = true;
      figure.classList.remove('stale');
      {
        const layer = Math.min(state.layer, model.layers.length - 1);
        setState({ uri: model.uri, layer, group: Math.min(state.group, model.layers[layer]!.groups.length - 1) });
      }
      return;
    case 'diagram/problem':
      showProblem(message);
      return;
    case 'diagram/select':
      setState({ layer: message.layer, group: message.group, level: -1 });
      return;
    case 'exportResult':
      exporter.settle(message);
      return;
  }
}

function showProblem(p: DiagramProblemMessage): void {
  notice.hidden = false;
  notice.textContent = `${p.fileName}${p.line ? `:${p.line}` : ''}: ${p.message}${model ? ' — showing the last valid structure.' : ''}`;
  figure.classList.toggle('stale', Boolean(model));
  if (!model) {
    empty.hidden = true;
    title.textContent = p.fileName;
  }
  setState({ uri: p.uri });
  host.post({
    type: 'painted',
    renderMs: 0,
    sinceLoadMs: performance.now(),
    scriptStartMs,
    content: `problem${p.line ? ` at line ${p.line}` : ''}: ${p.message}`,
  });
}

function setState(patch: Partial<DiagramState>): void {
  state = { ...state, ...patch };
  host.saveState(state);
  render();
}

function render(): void {
  if (!model) return;
  const started = performance.now();
  empty.hidden = true;
  const layer = model.layers[state.layer] ?? model.layers[0]!;
  const group = layer.groups[state.group] ?? layer.groups[0]!;
  const m = model.model;
  title.textContent = model.name;
  summary.textContent = `${model.fileName} · D ${m.width} · ${m.heads} heads of ${m.headDim} · T ${m.seqLen} · ${m.layers} layers · ${shortCount(model.totals.params)} params`;

  // The layer picker appears only when layers differ: each choice is one distinct structure and its blocks.
  layerSelect.element.hidden = model.layers.length < 2;
  layerSelect.setChoices(
    model.layers.map((l, i): Choice<string> => ({
      value: String(i),
      label: `layers ${layerIndices(l.layers)}: ${l.groups.map((g) => groupLabel(g, m.heads)).join(' + ')}`,
    })),
    String(model.layers.indexOf(layer)),
  );
  groupSelect.element.hidden = layer.groups.length < 2;
  groupSelect.setChoices(
    layer.groups.map((g): Choice<string> => ({ value: String(g.index), label: groupLabel(g, m.heads) })),
    String(group.index),
  );
  const levels = group.layout.levels;
  levelSelect.element.hidden = levels.length < 2;
  const level = state.level < levels.length ? state.level : -1;
  levelSelect.setChoices(
    [{ value: '-1', label: 'All levels' }, ...levels.map((l, i) => ({ value: String(i), label: l.label }))],
    String(level),
  );

  const rank = `rank ${exactCount(group.rank.scoring)} / ${exactCount(group.rank.max)} (${group.rank.space === 'sequence' ? 'T×T' : 'D×D'})`;
  groupLine.replaceChildren();
  const kind = document.createElement('span');
  kind.className = 'kind';
  kind.textContent = `${model.layers.length > 1 ? `layers ${layerIndices(layer.layers)} · ` : ''}${groupLabel(group, m.heads)}`;
  groupLine.append(
    kind,
    ` · ${rank} · ${shortCount(group.scoreMacsPerHead)} score MACs/head · ${shortCount(group.scoringParams)} scoring params`,
  );

  colourBy.hidden = state.view === 'network'; // the network has no colour scale
  const width = figure.clientWidth || window.innerWidth - 32;
  const height = Math.max(240, window.innerHeight - figure.getBoundingClientRect().top - 16);
  if (state.view === 'network') drawNetwork(svg, group, level, width, tooltip);
  else drawMatrix(svg, { group, level, colourBy: state.colourBy, width, height, theme, tooltip });
  const where = model.layers.length > 1 ? `layers ${layerIndices(layer.layers)}, ` : '';
  const content = `${where}${groupLabel(group, m.heads)}, ${state.view === 'network' ? 'tensor network' : 'blocks'}, ${level < 0 ? `${levels.length} levels` : `level ${level}`}, by ${state.colourBy}`;
  host.post({ type: 'painted', renderMs: performance.now() - started, sinceLoadMs: performance.now(), scriptStartMs, content });
}

/** One row per layer structure, level and head group: a level's blocks are alike, and a level can hold up to T of them. */
function levelsCsv(): string {
  if (!model) return '';
  const heads = model.model.heads;
  const rows = model.layers.flatMap((ly) =>
    ly.groups.flatMap((g) =>
      g.layout.levels.map((lv, l) => [
        layerIndices(ly.layers),
        groupLabel(g, heads),
        g.kind,
        g.layout.space,
        l,
        lv.label,
        lv.blocks,
        lv.blockSize,
        lv.requestedRank,
        lv.blockRank,
        lv.blockMacs,
        lv.blocks * lv.blockMacs,
        g.layout.macsUnit,
      ]),
    ),
  );
  return toCsv(
    [
      'layers',
      'group',
      'kind',
      'space',
      'level',
      'level_label',
      'blocks',
      'block_size',
      'requested_rank',
      'block_rank',
      'block_macs',
      'level_macs',
      'macs_unit',
    ],
    rows,
  );
}

onThemeChange((t) => {
  theme = t;
  render();
});
new ResizeObserver(() => render()).observe(figure);
