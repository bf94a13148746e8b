/**
 * Trade-offs webview: every structure (workspace file, search candidate, finished run) as a point of compute
 * against rank (or parameters, or final loss), one chart per task kind and rank space (facets.ts), each with its
 * own Pareto front, or all on one chart; click a point to open its file. The title follows the axes ("Loss vs
 * compute per token"). Axes, log scales and grouping persist across reloads.
 */
import type {
  TradeoffPoint,
  TradeoffsFromWebview,
  TradeoffsState,
  TradeoffsToWebview,
  TradeoffX,
  TradeoffY,
  SkippedFile,
} from '../../src/protocol/webview';
import baseCss from '../shared/base.css';
import { checkbox, emptyNote, panelHeader, select, spacer, toolbar, type Choice } from '../shared/controls';
import { toCsv } from '../../src/core/csv';
import { exportButtons, Exporter } from '../shared/export';
import { connectToHost, scriptStartMs } from '../shared/host';
import { adoptStyles } from '../shared/styles';
import { onThemeChange, readTheme } from '../shared/theme';
import { Tooltip } from '../shared/tooltip';
import { chartTitle, facetColumns, facetsOf } from './facets';
import { drawScatter, xChoices, yChoices } from './scatter';
import { paintContent, skippedHeading, sourceSummary } from './sources';
import css from './tradeoffs.css';

adoptStyles(baseCss, css);

const host = connectToHost<TradeoffsToWebview, TradeoffsFromWebview, TradeoffsState>(receive);
let state: TradeoffsState = { group: 'facets', ...(host.savedState() ?? { x: 'macsPerToken', y: 'rank', logX: true, logY: true }) };
let points: TradeoffPoint[] = [];
let skipped: SkippedFile[] = [];
let front: number[] = [];
/** Each point's group (facet title) as last drawn, for the CSV. */
let groupOf = new Map<TradeoffPoint, string>();
let theme = readTheme();

const app = document.getElementById('app')!;
const { header, title, summary } = panelHeader(chartTitle(state.x, state.y));

type GroupBy = NonNullable<TradeoffsState['group']>;
const groupChoices: Record<GroupBy, string> = { facets: 'by task and rank space', none: 'all together' };
const choices = <K extends string>(labels: Record<K, string>): Choice<K>[] =>
  (Object.keys(labels) as K[]).map((value) => ({ value, label: labels[value] }));
const ySelect = select<TradeoffY>('Y', 'y-axis', choices(yChoices), state.y, (y) => setState({ y }));
const exports = document.createElement('div');
exports.className = 'group';
app.append(
  header,
  toolbar(
    select<TradeoffX>('X', 'x-axis', choices(xChoices), state.x, (x) => setState({ x })).element,
    ySelect.element,
    checkbox('Log x', 'log-x', state.logX, (logX) => setState({ logX })),
    checkbox('Log y', 'log-y', state.logY, (logY) => setState({ logY })),
    select<GroupBy>('Group', 'group-by', choices(groupChoices), state.group ?? 'facets', (group) => setState({ group })).element,
    spacer(),
    exports,
  ),
);
const figure = document.createElement('div');
figure.id = 'figure';
const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
figure.append(svg);
const empty = emptyNote('Looking for *.mlbtc.json files…');
const skippedBox = document.createElement('details');
skippedBox.className = 'skipped';
app.append(empty, figure, skippedBox);

const tooltip = new Tooltip();
const exporter = new Exporter(host.post);
exportButtons(exports, exporter, {
  figure: () => (points.length ? svg : undefined),
  csv: pointsCsv,
  baseName: () => `tradeoffs.${state.x}.${state.y}`,
  background: () => theme.background,
});

function receive(message: TradeoffsToWebview): void {
  switch (message.type) {
    case 'tradeoffs/points':
      points = message.points;
      skipped = message.skipped;
      render();
      return;
    case 'exportResult':
      exporter.settle(message);
      return;
  }
}

function setState(patch: Partial<TradeoffsState>): void {
  state = { ...state, ...patch };
  host.saveState(state);
  render();
}

function render(): void {
  const started = performance.now();
  const hasLoss = points.some((p) => p.finalLoss !== undefined);
  // Final loss is a choice only once some run has finished.
  ySelect.setChoices(
    choices(yChoices).filter((c) => c.value !== 'finalLoss' || hasLoss),
    state.y === 'finalLoss' && !hasLoss ? 'rank' : state.y,
  );
  if (state.y === 'finalLoss' && !hasLoss) state = { ...state, y: 'rank' };
  empty.hidden = points.length > 0;
  empty.textContent = skipped.length
    ? 'No valid structure in this workspace yet (see the skipped files below).'
    : 'No *.mlbtc.json files in this workspace. MLBTC: New Structure creates one.';
  const width = figure.clientWidth || window.innerWidth - 32;
  const height = Math.max(300, Math.min(640, window.innerHeight - figure.getBoundingClientRect().top - 60));
  title.textContent = chartTitle(state.x, state.y);
  const facets = state.group === 'none' ? [{ key: 'all', title: '', points }] : facetsOf(points);
  const columns = facetColumns(facets.length, width);
  const facetWidth = Math.floor(width / columns);
  const facetHeight = facets.length > 1 ? Math.max(280, Math.min(360, height)) : height;
  svg.replaceChildren();
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(facetHeight * Math.ceil(facets.length / columns)));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${title.textContent}: ${facets.length} group${facets.length === 1 ? '' : 's'}`);
  front = [];
  groupOf = new Map();
  facets.forEach((facet, k) => {
    const inner = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    inner.setAttribute('x', String((k % columns) * facetWidth));
    inner.setAttribute('y', String(Math.floor(k / columns) * facetHeight));
    svg.append(inner);
    const open = (p: TradeoffPoint) => p.uri && host.post({ type: 'openFile', uri: p.uri });
    const options = { legend: k === 0, ...(facets.length > 1 ? { title: facet.title } : {}) };
    const onFront = drawScatter(inner, facet.points, state, facetWidth, facetHeight, tooltip, open, options);
    front.push(...onFront.map((i) => points.indexOf(facet.points[i]!)));
    for (const p of facet.points) groupOf.set(p, facet.title);
  });
  const fronts = facets.length > 1 ? `the Pareto fronts of ${facets.length} groups` : 'the Pareto front';
  summary.textContent = `${sourceSummary(points)} · ${front.length} on ${fronts}`;
  skippedBox.hidden = skipped.length === 0;
  const head = document.createElement('summary');
  head.textContent = skippedHeading(points, skipped);
  const list = document.createElement('ul');
  list.append(
    ...skipped.map((s) => {
      const li = document.createElement('li');
      li.textContent = `${s.fileName} — ${s.reason}`;
      return li;
    }),
  );
  skippedBox.replaceChildren(head, list);
  host.post({
    type: 'painted',
    renderMs: performance.now() - started,
    sinceLoadMs: performance.now(),
    scriptStartMs,
    content: paintContent(points, front.length, skipped.length),
  });
}

function pointsCsv(): string {
  const onFront = new Set(front);
  return toCsv(
    [
      'label',
      'source',
      'uri',
      'task_kind',
      'macs_per_token',
      'macs_per_sequence',
      'rank',
      'rank_max',
      'rank_space',
      'params',
      'final_loss',
      'group',
      `pareto_${state.y}`,
    ],
    points.map((p, i) => [
      p.label,
      p.source,
      p.uri,
      p.taskKind,
      p.macsPerToken,
      p.macsPerSequence,
      p.rank,
      p.rankMax,
      p.rankSpace,
      p.params,
      p.finalLoss,
      groupOf.get(p) ?? '',
      onFront.has(i),
    ]),
  );
}

onThemeChange((t) => {
  theme = t;
  render();
});
new ResizeObserver(() => points.length && render()).observe(figure);
