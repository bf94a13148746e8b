/**
 * Search webview: the leaderboard of a search's trials (sortable by any column, the best marked, a trial's run one
 * click away) above the parallel coordinates of its parameters against the objective; PNG/SVG of the chart and CSV
 * of the table. The sort persists across reloads, with the search it shows (what the host restores).
 */
import type { SearchFromWebview, SearchPanelState, SearchSortKey, SearchToWebview, SearchViewModel } from '../../src/protocol/webview';
import baseCss from '../shared/base.css';
import { emptyNote, panelHeader, spacer, toolbar } from '../shared/controls';
import { toCsv } from '../../src/core/csv';
import { exportButtons, Exporter } from '../shared/export';
import { connectToHost, scriptStartMs } from '../shared/host';
import { adoptStyles } from '../shared/styles';
import { onThemeChange, readTheme } from '../shared/theme';
import { Tooltip } from '../shared/tooltip';
import { formatObjective, Leaderboard } from './leaderboard';
import { drawParallel } from './parallel';
import css from './search.css';

adoptStyles(baseCss, css);

const host = connectToHost<SearchToWebview, SearchFromWebview, SearchPanelState>(receive);
const saved = host.savedState();
let sort: { key: SearchSortKey; descending: boolean } = { key: saved?.sort ?? 'objective', descending: saved?.descending ?? false };
let model: SearchViewModel | undefined;
let theme = readTheme();

const app = document.getElementById('app')!;
const { header, title, summary } = panelHeader('Search');
const exports = document.createElement('div');
exports.className = 'group';
const bestNote = document.createElement('div');
bestNote.className = 'best-note';
bestNote.setAttribute('role', 'status');
app.append(header, toolbar(bestNote, spacer(), exports));
const empty = emptyNote('Reading the search…');
const tableBox = document.createElement('div');
tableBox.className = 'table-box';
const table = document.createElement('table');
table.className = 'leaderboard';
tableBox.append(table);
const figure = document.createElement('div');
figure.id = 'figure';
const chartTitle = document.createElement('h2');
chartTitle.textContent = 'Parameters against the objective';
const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
figure.append(chartTitle, svg);
app.append(empty, tableBox, figure);

const tooltip = new Tooltip();
const exporter = new Exporter(host.post);
exportButtons(exports, exporter, {
  figure: () => (model?.trials.length ? svg : undefined),
  csv: tableCsv,
  baseName: () => `${model?.id ?? 'search'}.search`,
  background: () => theme.background,
});

function receive(message: SearchToWebview): void {
  switch (message.type) {
    case 'search/model':
      model = message.model;
      host.saveState({ root: model.root, id: model.id, sort: sort.key, descending: sort.descending });
      render();
      return;
    case 'search/problem':
      model = undefined;
      empty.textContent = message.message;
      render();
      return;
    case 'exportResult':
      exporter.settle(message);
      return;
  }
}

const open = (runId: string) => host.post({ type: 'search/openTrial', runId });
const leaderboard = new Leaderboard(table, { sort: setSort, open });

function setSort(key: SearchSortKey): void {
  sort = { key, descending: sort.key === key ? !sort.descending : false };
  if (model) host.saveState({ root: model.root, id: model.id, sort: sort.key, descending: sort.descending });
  render();
}

function render(): void {
  const started = performance.now();
  empty.hidden = Boolean(model);
  tableBox.hidden = figure.hidden = !model;
  if (!model) {
    host.post({
      type: 'painted',
      renderMs: performance.now() - started,
      sinceLoadMs: performance.now(),
      scriptStartMs,
      content: 'no search',
    });
    return;
  }
  const m = model;
  title.textContent = `Search ${m.name}`;
  const done = m.trials.filter((t) => t.objective !== null).length;
  summary.textContent = `${m.id} · ${m.strategy} · minimising ${m.objective} · ${done} of ${m.trials.length} trials measured · ${m.control}`;
  const best = m.trials.find((t) => t.trial === m.best);
  bestNote.replaceChildren();
  if (best) {
    const text = document.createElement('span');
    const params = best.params || 'no parameters varied';
    text.textContent = `★ Best: trial ${best.trial} (${params}), ${m.objective} ${formatObjective(best.objective)}`;
    bestNote.append(text);
    if (best.runId) {
      const button = document.createElement('vscode-button');
      button.id = 'open-best';
      button.textContent = 'Open best';
      const runId = best.runId;
      button.addEventListener('click', () => open(runId));
      bestNote.append(button);
    }
  } else bestNote.textContent = 'No trial has an objective yet.';
  leaderboard.render(m.trials, m.best, sort);
  const width = figure.clientWidth || window.innerWidth - 32;
  drawParallel(svg, m, width, 320, tooltip, (t) => t.runId && open(t.runId));
  host.post({
    type: 'painted',
    renderMs: performance.now() - started,
    sinceLoadMs: performance.now(),
    scriptStartMs,
    content: `${m.trials.length} trials, best ${m.best === null ? 'none' : `#${m.best}`}`,
  });
}

function tableCsv(): string {
  const m = model;
  if (!m) return toCsv(['trial'], []);
  const keys = m.dimensions.map((d) => d.key);
  return toCsv(
    ['trial', ...keys, 'state', 'rung', 'step', 'flops', 'planned_flops', m.objective, 'best', 'run'],
    m.trials.map((t) => [
      t.trial,
      ...keys.map((k) => t.values[k]),
      t.state,
      t.rung,
      t.step,
      t.flops,
      t.plannedFlops,
      t.objective,
      t.trial === m.best,
      t.runId,
    ]),
  );
}

onThemeChange((t) => {
  theme = t;
  render();
});
new ResizeObserver(() => model && render()).observe(figure);
