/**
 * Trade-offs webview: every structure (workspace file, search candidate, finished run) as a point of compute
 * against rank (or parameters, or final loss), with the Pareto front over all of them; click a point to open its
 * file. Axes and log scales persist across reloads.
 */
import type { TradeoffPoint, TradeoffsFromWebview, TradeoffsState, TradeoffsToWebview, TradeoffX, TradeoffY, SkippedFile } from '../../src/protocol/webview';
import baseCss from '../shared/base.css';
import { checkbox, emptyNote, panelHeader, select, spacer, toolbar, type Choice } from '../shared/controls';
import { toCsv } from '../../src/core/csv';
import { exportButtons, Exporter } from '../shared/export';
import { connectToHost, scriptStartMs } from '../shared/host';
import { adoptStyles } from '../shared/styles';
import { onThemeChange, readTheme } from '../shared/theme';
import { Tooltip } from '../shared/tooltip';
import { drawScatter, xChoices, yChoices } from './scatter';
import { paintContent, skippedHeading, sourceSummary } from './sources';
import css from './tradeoffs.css';

adoptStyles(baseCss, css);

const host = connectToHost<TradeoffsToWebview, TradeoffsFromWebview, TradeoffsState>(receive);
let state: TradeoffsState = host.savedState() ?? { x: 'macsPerToken', y: 'rank', logX: true, logY: true };
let points: TradeoffPoint[] = [];
let skipped: SkippedFile[] = [];
let front: number[] = [];
let theme = readTheme();

const app = document.getElementById('app')!;
const { header, summary } = panelHeader('Compute / rank trade-offs');

const choices = <K extends string>(labels: Record<K, string>): Choice<K>[] => (Object.keys(labels) as K[]).map((value) => ({ value, label: labels[value] }));
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
  ySelect.setChoices(choices(yChoices).filter((c) => c.value !== 'finalLoss' || hasLoss), state.y === 'finalLoss' && !hasLoss ? 'rank' : state.y);
  if (state.y === 'finalLoss' && !hasLoss) state = { ...state, y: 'rank' };
  empty.hidden = points.length > 0;
  empty.textContent = skipped.length ? 'No valid structure in this workspace yet (see the skipped files below).' : 'No *.mlbtc.json files in this workspace. MLBTC: New Structure creates one.';
  const width = figure.clientWidth || window.innerWidth - 32;
  const height = Math.max(300, Math.min(640, window.innerHeight - figure.getBoundingClientRect().top - 60));
  front = drawScatter(svg, points, state, width, height, tooltip, (p) => p.uri && host.post({ type: 'openFile', uri: p.uri }));
  summary.textContent = `${sourceSummary(points)} · ${front.length} on the Pareto front`;
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
  host.post({ type: 'painted', renderMs: performance.now() - started, sinceLoadMs: performance.now(), scriptStartMs, content: paintContent(points, front.length, skipped.length) });
}

function pointsCsv(): string {
  const onFront = new Set(front);
  return toCsv(
    ['label', 'source', 'uri', 'macs_per_token', 'macs_per_sequence', 'rank', 'rank_max', 'rank_space', 'params', 'final_loss', `pareto_${state.y}`],
    points.map((p, i) => [p.label, p.source, p.uri, p.macsPerToken, p.macsPerSequence, p.rank, p.rankMax, p.rankSpace, p.params, p.finalLoss, onFront.has(i)]),
  );
}

onThemeChange((t) => {
  theme = t;
  render();
});
new ResizeObserver(() => points.length && render()).observe(figure);
