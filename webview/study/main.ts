/**
 * Study webview: the paper's views of a set of runs (src/core/study/study.ts). One figure at a time: final metric
 * against compute (log axis), loss against training FLOPs with a power law per family (exponent in the legend), or
 * the sweep over head rank or a numeric search key. The figure is core's SVG text (figure.ts) in the theme's
 * colours, the same rendering `mlbtc study --svg` writes headless; PNG/SVG/CSV export as in the other panels.
 */
import type { StudyDataMessage, StudyFromWebview, StudyState, StudyToWebview } from '../../src/protocol/webview';
import { toCsv } from '../../src/core/csv';
import { renderFigureSvg } from '../../src/core/study/figure';
import { FIGURE_CSV_HEADER, figureRows, studyFigure, type ComputeAxis, type StudyView } from '../../src/core/study/study';
import baseCss from '../shared/base.css';
import { emptyNote, panelHeader, select, spacer, toolbar } from '../shared/controls';
import { exportButtons, Exporter } from '../shared/export';
import { connectToHost, scriptStartMs } from '../shared/host';
import { adoptStyles } from '../shared/styles';
import { onThemeChange, readTheme } from '../shared/theme';
import css from './study.css';

adoptStyles(baseCss, css);

const host = connectToHost<StudyToWebview, StudyFromWebview, StudyState>(receive);
let state: StudyState = host.savedState() ?? { runsDir: '', searchIds: [], view: 'compute', computeAxis: 'flops', sweepKey: 'rank' };
let latest: StudyDataMessage | undefined;
let theme = readTheme();

const app = document.getElementById('app')!;
const { header, summary } = panelHeader('Study');
const viewSelect = select<StudyView>(
  'View',
  'study-view',
  [
    { value: 'compute', label: 'Final metric vs compute' },
    { value: 'scaling', label: 'Scaling: loss vs training FLOPs' },
    { value: 'sweep', label: 'Sweep' },
  ],
  state.view,
  (view) => change({ view }),
);
const axisSelect = select<ComputeAxis>(
  'Compute',
  'study-compute',
  [
    { value: 'flops', label: 'Training FLOPs' },
    { value: 'macs', label: 'MACs per token' },
  ],
  state.computeAxis,
  (computeAxis) => change({ computeAxis }),
);
const sweepSelect = select<string>(
  'Sweep over',
  'study-sweep',
  [{ value: 'rank', label: 'head scoring rank' }],
  state.sweepKey,
  (sweepKey) => change({ sweepKey }),
);
const refresh = document.createElement('vscode-button');
refresh.setAttribute('secondary', '');
refresh.textContent = 'Refresh';
refresh.title = 'Read the runs again';
refresh.addEventListener('click', () => host.post({ type: 'study/refresh' }));
const exports = document.createElement('div');
exports.className = 'group';
app.append(header, toolbar(viewSelect.element, axisSelect.element, sweepSelect.element, refresh, spacer(), exports));
const empty = emptyNote('Reading the runs…');
const problem = document.createElement('div');
problem.className = 'problem';
const figure = document.createElement('div');
figure.className = 'figure';
app.append(empty, problem, figure);

const exporter = new Exporter(host.post);
exportButtons(exports, exporter, {
  figure: () => figure.querySelector('svg') ?? undefined,
  csv: () => (latest?.data ? toCsv(FIGURE_CSV_HEADER, figureRows(currentFigure()!)) : ''),
  baseName: () => `${(latest?.data?.title ?? 'study').replace(/[^A-Za-z0-9._-]+/g, '-')}.${state.view}`,
  background: () => theme.background,
});
onThemeChange((t) => {
  theme = t;
  draw();
});
window.addEventListener('resize', () => draw());

function change(patch: Partial<StudyState>): void {
  state = { ...state, ...patch };
  host.saveState(state);
  draw();
}

function currentFigure() {
  const data = latest?.data;
  if (!data) return undefined;
  return studyFigure(data, state.view, state.view === 'compute' ? state.computeAxis : state.view === 'sweep' ? state.sweepKey : undefined);
}

function receive(message: StudyToWebview): void {
  if (message.type === 'exportResult') return exporter.settle(message);
  if (message.type !== 'study/data') return;
  latest = message;
  state = {
    ...state,
    runsDir: message.runsDir,
    searchIds: message.searchIds,
    sweepKey: message.sweepKeys.includes(state.sweepKey) ? state.sweepKey : 'rank',
  };
  host.saveState(state);
  sweepSelect.setChoices(
    message.sweepKeys.map((k) => ({ value: k, label: k === 'rank' ? 'head scoring rank' : k })),
    state.sweepKey,
  );
  draw();
}

function draw(): void {
  const started = performance.now();
  axisSelect.element.hidden = state.view !== 'compute';
  sweepSelect.element.hidden = state.view !== 'sweep';
  const data = latest?.data;
  problem.textContent = latest?.problem ?? '';
  summary.textContent = data ? `${data.title} · ${data.runs.length} runs · ${data.objective}` : (latest?.subject ?? '');
  empty.hidden = Boolean(data?.runs.length) || Boolean(latest?.problem);
  if (latest && data && data.runs.length === 0) empty.textContent = `No runs in ${latest.subject} yet.`;
  const fig = currentFigure();
  if (!fig || !data?.runs.length) {
    figure.replaceChildren();
    return;
  }
  const width = Math.max(560, Math.min(1200, app.clientWidth - 8));
  const svgText = renderFigureSvg(fig, width, Math.round(width * 0.56), {
    foreground: theme.foreground,
    background: theme.background,
    grid: theme.lines,
    font: getComputedStyle(document.body).fontFamily || 'sans-serif',
  });
  // Parsed as XML, never as HTML: the text holds run labels, escaped by figure.ts, and no script can run from it.
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  figure.replaceChildren(document.importNode(doc.documentElement, true));
  const points = fig.series.reduce((n, s) => n + s.points.length, 0);
  host.post({
    type: 'painted',
    renderMs: performance.now() - started,
    content: `${state.view}: ${fig.series.length} series, ${points} points`,
    sinceLoadMs: performance.now(),
    scriptStartMs,
  });
}
