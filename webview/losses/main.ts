/**
 * Live losses webview: curves of the selected runs (train and eval metrics), streaming, with EMA smoothing, a
 * choice of x axis (step, tokens, FLOPs, wall time), log axes, a legend that selects runs, a hover read-out and
 * PNG/SVG/CSV export. The host downsamples for the width reported here; this side only draws.
 */
import * as d3 from 'd3';
import type { LossesFromWebview, LossesState, LossesToWebview, LossRunInfo, LossSeries, LossView } from '../../src/protocol/webview';
import baseCss from '../shared/base.css';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import { checkbox, emptyNote, panelHeader, select, spacer, toolbar } from '../shared/controls';
import { toCsv } from '../../src/core/csv';
import { exportButtons, Exporter } from '../shared/export';
import { connectToHost, scriptStartMs } from '../shared/host';
import { KeyedRows } from '../shared/keyedRows';
import { adoptStyles } from '../shared/styles';
import { onThemeChange, readTheme } from '../shared/theme';
import { Tooltip } from '../shared/tooltip';
import {
  appendCurvePaths,
  curveKey,
  CurveCanvas,
  drawAxes,
  formatHoverX,
  margin,
  nearest,
  scalesFor,
  styleOf,
  xLabels,
  xValue,
  type Curve,
  type Scales,
} from './chart';
import { RunColours } from './colours';
import css from './losses.css';

adoptStyles(baseCss, css);

const host = connectToHost<LossesToWebview, LossesFromWebview, LossesState>(receive);
const saved = host.savedState();
let view: LossView = saved?.view ?? { runIds: [], metrics: ['loss'], x: 'step', logX: false, logY: false, smoothing: 0.6, buckets: 800 };
let haveView = Boolean(saved);
let metricsChosen = saved?.metricsChosen ?? false;
let runs: LossRunInfo[] = [];
/** Curves by "runId\u0000metric". */
const series = new Map<string, LossSeries>();
let revision = 0;
let theme = readTheme();
const runColours = new RunColours(theme.series.length);
let scales: Scales | undefined;
const curveCanvas = new CurveCanvas();
/** Curves of the latest streaming update: drawn over the cached bitmap of all others. */
let hot = new Set<string>();

const app = document.getElementById('app')!;
const { header, summary } = panelHeader('Live losses');

const smoothingValue = document.createElement('span');
smoothingValue.className = 'smoothing-value';
const smoothing = document.createElement('input');
smoothing.type = 'range';
smoothing.id = 'smoothing';
smoothing.min = '0';
smoothing.max = '0.99';
smoothing.step = '0.01';
smoothing.value = String(view.smoothing);
smoothing.setAttribute('aria-label', 'Smoothing (EMA weight)');
smoothing.addEventListener('input', () => {
  smoothingValue.textContent = Number(smoothing.value).toFixed(2);
});
smoothing.addEventListener('change', () => changeView({ smoothing: Number(smoothing.value) }));
smoothingValue.textContent = view.smoothing.toFixed(2);
const smoothingGroup = document.createElement('div');
smoothingGroup.className = 'group';
const smoothingCaption = document.createElement('label');
smoothingCaption.className = 'caption';
smoothingCaption.htmlFor = 'smoothing';
smoothingCaption.textContent = 'Smoothing';
smoothingGroup.append(smoothingCaption, smoothing, smoothingValue);

const exports = document.createElement('div');
exports.className = 'group';
const bar = toolbar(
  select<LossView['x']>(
    'X axis',
    'x-axis',
    (Object.keys(xLabels) as LossView['x'][]).map((v) => ({ value: v, label: xLabels[v] })),
    view.x,
    (x) => changeView({ x }),
  ).element,
  smoothingGroup,
  checkbox('Log x', 'log-x', view.logX, (logX) => changeView({ logX })),
  checkbox('Log y', 'log-y', view.logY, (logY) => changeView({ logY })),
  spacer(),
  exports,
);

const layout = document.createElement('div');
layout.className = 'layout';
const chart = document.createElement('div');
chart.className = 'chart';
const canvas = document.createElement('canvas');
const overlay = d3.select(chart).append('svg').attr('class', 'overlay');
chart.prepend(canvas);
const plot = overlay.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
const axes = plot.append('g');
const hover = plot.append('g');
const sidebar = document.createElement('aside');
sidebar.className = 'sidebar';
const metricsBox = document.createElement('div');
metricsBox.className = 'metrics';
const runsBox = document.createElement('div');
runsBox.id = 'runs';
sidebar.append(metricsBox, runsBox);
layout.append(chart, sidebar);
const empty = emptyNote('Looking for runs…');
app.append(header, bar, empty, layout);

const tooltip = new Tooltip();
const exporter = new Exporter(host.post);
exportButtons(exports, exporter, {
  figure: exportFigure,
  csv: plottedCsv,
  baseName: () => `losses.${view.x}.plotted`,
  background: () => theme.background,
});

function receive(message: LossesToWebview): void {
  switch (message.type) {
    case 'losses/runs': {
      runs = message.runs;
      if (!haveView) {
        haveView = true;
        changeView({ runIds: message.defaultRunIds, metrics: defaultMetrics(message.defaultRunIds) });
      } else if (revision === 0) changeView({});
      else if (!metricsChosen && JSON.stringify(defaultMetrics(view.runIds)) !== JSON.stringify(view.metrics)) {
        // A run's eval metrics became known once its records were read.
        changeView({ metrics: defaultMetrics(view.runIds) });
      }
      syncSidebar();
      updateSummary(); // a run that stopped is no longer counted as running, even before the next curve update
      return;
    }
    case 'losses/select': {
      haveView = true;
      changeView({ runIds: message.runIds, metrics: metricsChosen ? view.metrics : defaultMetrics(message.runIds) });
      syncSidebar();
      return;
    }
    case 'losses/series': {
      if (message.revision !== revision) return; // an answer to a view we have since changed
      if (message.complete) series.clear();
      hot = message.complete ? new Set() : new Set(message.series.map(curveKey));
      for (const s of message.series) series.set(curveKey(s), s);
      draw();
      // A complete answer follows a change of the shown runs: the swatches follow the colours this draw gave them.
      // A streaming update keeps the shown runs, so only the values change.
      if (message.complete) syncSidebar();
      else updateLastValues();
      return;
    }
    case 'exportResult':
      exporter.settle(message);
      return;
  }
}

/** The train loss and every eval "…loss" metric of the given runs. */
function defaultMetrics(runIds: string[]): string[] {
  const all = new Set(runs.filter((r) => runIds.includes(r.id)).flatMap((r) => r.metrics));
  const metrics = [...all].filter((m) => m === 'loss' || m.endsWith('.loss'));
  return metrics.length ? metrics : ['loss'];
}

function changeView(patch: Partial<LossView>): void {
  view = { ...view, ...patch, buckets: plotWidth() };
  host.saveState({ view, metricsChosen });
  revision++;
  host.post({ type: 'losses/view', revision, view });
}

function plotWidth(): number {
  return Math.max(50, Math.round((chart.clientWidth || 600) - margin.left - margin.right));
}

function curvesShown(): Curve[] {
  const out: Curve[] = [];
  const shown = runs.filter((run) => view.runIds.includes(run.id));
  const colours = runColours.indices(shown.map((r) => r.id));
  shown.forEach((run, i) => {
    view.metrics.forEach((metric, m) => {
      const s = series.get(curveKey({ runId: run.id, metric }));
      if (s) out.push({ series: s, style: styleOf(colours[i]!, m, theme) });
    });
  });
  return out;
}

/** "2 of 5 runs shown · 1 running": refreshed with every run list, not only when curves are drawn. */
function updateSummary(): void {
  summary.textContent = `${view.runIds.length} of ${runs.length} run${runs.length === 1 ? '' : 's'} shown · ${runs.filter((r) => r.state === 'running').length} running`;
}

function draw(): void {
  const started = performance.now();
  const width = chart.clientWidth || 600;
  const height = Math.max(260, Math.min(560, window.innerHeight - chart.getBoundingClientRect().top - 16));
  const ratio = window.devicePixelRatio || 1;
  // Resizing a canvas clears and reallocates it: only when the size really changed.
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  canvas.style.setProperty('width', `${width}px`);
  canvas.style.setProperty('height', `${height}px`);
  chart.style.setProperty('height', `${height}px`);
  overlay.attr('width', width).attr('height', height);
  const curves = curvesShown();
  empty.hidden = curves.length > 0;
  empty.textContent = runs.length
    ? 'No points yet for the selected runs and metrics.'
    : 'No runs yet. Runs started from a structure (▶ Train) appear here as they train.';
  scales = scalesFor(
    curves.map((c) => c.series),
    view,
    width,
    height,
  );
  if (!scales) {
    axes.selectChildren().remove();
    curveCanvas.clear(canvas);
  } else {
    drawAxes(axes, scales, view, yLabel());
    curveCanvas.draw(canvas, curves, scales, view, hot);
    // Chromium rasterises canvas commands lazily, after this function: reading one pixel makes it happen now, so
    // renderMs (the paint timing the host records) is what drawing really costs.
    canvas.getContext('2d')?.getImageData(0, 0, 1, 1);
  }
  updateSummary();
  const lastX = Math.max(-Infinity, ...curves.map((c) => c.series.last?.x ?? -Infinity));
  host.post({
    type: 'painted',
    renderMs: performance.now() - started,
    sinceLoadMs: performance.now(),
    scriptStartMs,
    content: `${curves.length} curve${curves.length === 1 ? '' : 's'}${Number.isFinite(lastX) ? `, ${view.x} to ${lastX}` : ''}`,
  });
}

/** The y axis names what is plotted: the metric, "loss" for losses only, else "value". */
function yLabel(): string {
  if (view.metrics.length === 1) return view.metrics[0] === 'loss' ? 'train loss' : view.metrics[0];
  return view.metrics.every((m) => m === 'loss' || m.endsWith('.loss')) ? 'loss' : 'value';
}

const metricsTitle = document.createElement('h2');
metricsTitle.textContent = 'Metrics';
metricsBox.append(metricsTitle);
const metricRows = new KeyedRows<string>(
  metricsBox,
  (metric) => metric,
  (metric) =>
    checkbox(metric === 'loss' ? 'train loss' : metric, `metric-${metric}`, false, (on) => {
      metricsChosen = true;
      changeView({ metrics: on ? [...view.metrics, metric] : view.metrics.filter((x) => x !== metric) });
    }),
  (box, metric) => setChecked(box, view.metrics.includes(metric)),
);
const runsTitle = document.createElement('h2');
runsTitle.textContent = 'Runs';
runsBox.append(runsTitle);
const runRows = new KeyedRows<LossRunInfo>(
  runsBox,
  (run) => run.id,
  (run) => {
    const row = document.createElement('div');
    row.className = 'run';
    row.dataset.run = run.id;
    const box = checkbox(run.name, `run-${run.id}`, false, (on) =>
      changeView({ runIds: on ? [...view.runIds, run.id] : view.runIds.filter((x) => x !== run.id) }),
    );
    const span = (className: string) => Object.assign(document.createElement('span'), { className });
    row.append(span('swatch'), box, span('state'), span('runtime'), span('last'));
    return row;
  },
  (row, run, i) => {
    // A shown run's curve colour; a hidden run's swatch shows the colour it would get (none yet: its list slot).
    row.querySelector<HTMLElement>('.swatch')!.style.setProperty('background', styleOf(runColours.of(run.id) ?? i, 0, theme).colour);
    const box = row.querySelector<VscodeCheckbox>('vscode-checkbox')!;
    if (box.label !== run.name) box.label = run.name;
    setChecked(box, view.runIds.includes(run.id));
    setText(row.querySelector('.state')!, run.state);
    const runtime = row.querySelector<HTMLElement>('.runtime')!;
    setText(runtime, run.runtime ?? '');
    runtime.title = run.runtime ?? ''; // the whole text when the row is too narrow for it
  },
);

/** The metric and run lists, updated in place (see KeyedRows: controls survive the host's updates). */
function syncSidebar(): void {
  metricRows.sync([...new Set(runs.flatMap((r) => r.metrics))]);
  runRows.sync(runs);
  updateLastValues();
}

function setChecked(box: HTMLElement, checked: boolean): void {
  const control = box as VscodeCheckbox;
  if (control.checked !== checked) control.checked = checked;
}

function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** The latest value of the first shown metric beside each run (cheap: runs on every streaming update). */
function updateLastValues(): void {
  const fmt = d3.format('.4~g');
  for (const row of Array.from(runsBox.querySelectorAll<HTMLElement>('.run'))) {
    const last = series.get(curveKey({ runId: row.dataset.run!, metric: view.metrics[0] }))?.last;
    row.querySelector('.last')!.textContent = last ? fmt(last.y) : '';
  }
}

overlay.on('pointermove', (event: PointerEvent) => {
  if (!scales) return;
  const [px, py] = d3.pointer(event, plot.node());
  if (px < 0 || px > scales.width || py < 0 || py > scales.height) {
    hover.selectChildren().remove();
    tooltip.hide();
    return;
  }
  const x = scales.x.invert(px);
  const rows: { label: string; value: number; at: number; colour: string; cy: number }[] = [];
  for (const c of curvesShown()) {
    const xs = c.series.smooth.x;
    if (!xs.length) continue;
    const raw = view.x === 'wallMs' ? x * 1000 : x;
    const i = nearest(xs, raw);
    const y = c.series.smooth.y[i];
    if (!Number.isFinite(y)) continue;
    const run = runs.find((r) => r.id === c.series.runId);
    rows.push({
      label: `${run?.name ?? c.series.runId} · ${c.series.metric === 'loss' ? 'train loss' : c.series.metric}`,
      value: y,
      at: xValue(view, xs[i]),
      colour: c.style.colour,
      cy: scales.y(y),
    });
  }
  const nearestAt = rows.reduce((best, r) => (Math.abs(r.at - x) < Math.abs(best - x) ? r.at : best), rows[0]?.at ?? x);
  rows.sort((a, b) => a.value - b.value);
  hover.selectChildren().remove();
  hover.append('line').attr('class', 'hover-rule').attr('x1', px).attr('x2', px).attr('y1', 0).attr('y2', scales.height);
  for (const r of rows)
    if (Number.isFinite(r.cy))
      hover.append('circle').attr('class', 'hover-dot').attr('cx', px).attr('cy', r.cy).attr('r', 3).attr('fill', r.colour);
  const fmt = d3.format('.4~g');
  // The x of the nearest record (a step is a whole number), not the pointer's exact position.
  const head = formatHoverX(view.x, rows.length ? nearestAt : x);
  tooltip.show(
    [head, ...rows.slice(0, 12).map((r) => `${r.label}: ${fmt(r.value)}`), ...(rows.length > 12 ? [`… ${rows.length - 12} more`] : [])],
    event.clientX,
    event.clientY,
  );
});
overlay.on('pointerleave', () => {
  hover.selectChildren().remove();
  tooltip.hide();
});

/** A standalone SVG of the chart: the overlay's axes plus the curves as paths. */
function exportFigure(): SVGSVGElement | undefined {
  if (!scales) return undefined;
  const svg = overlay.node()!.cloneNode(true) as SVGSVGElement;
  svg.querySelectorAll('.hover-rule, .hover-dot').forEach((n) => n.remove());
  const g = d3.select(svg).select<SVGGElement>('g').insert('g', ':first-child');
  appendCurvePaths(g, curvesShown(), scales, view);
  // standaloneSvg reads computed styles, so the copy must be in the document while it is exported.
  svg.classList.add('export-copy');
  svg.style.setProperty('position', 'absolute');
  svg.style.setProperty('left', '-100000px');
  document.body.append(svg);
  queueMicrotask(() => svg.remove());
  return svg;
}

/**
 * The plotted points, one row each: run, metric, curve ("raw", or "ema 0.6" for the smoothed one) and x, y.
 * Choice: these are the downsampled points the chart draws (first/min/max/last per pixel); every record of a run
 * is exported by `mlbtc export ID --csv`.
 */
function plottedCsv(): string {
  const rows: (string | number)[][] = [];
  for (const c of curvesShown()) {
    const curves =
      view.smoothing > 0
        ? ([
            ['raw', c.series.raw],
            [`ema ${view.smoothing}`, c.series.smooth],
          ] as const)
        : ([['raw', c.series.raw]] as const);
    for (const [name, { x, y }] of curves)
      for (let i = 0; i < x.length; i++) rows.push([c.series.runId, c.series.metric, name, xValue(view, x[i]), y[i]]);
  }
  return toCsv(['run', 'metric', 'curve', view.x === 'wallMs' ? 'wall_s' : view.x, 'value'], rows);
}

onThemeChange((t) => {
  theme = t;
  draw();
  syncSidebar();
});
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
new ResizeObserver(() => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (haveView && Math.abs(plotWidth() - view.buckets) > 8) changeView({});
    else draw();
  }, 150);
}).observe(chart);
