/**
 * Messages between the extension host and the webview panels (structure diagram, trade-offs, live losses, search,
 * study).
 *
 * One interface per message, each with a literal `type`; a union per panel and direction. Every webview starts by
 * posting `ready`; the host queues nothing before it and instead (re)sends the panel's whole current state on each
 * `ready`, so a webview that was torn down while hidden (or restored after a reload) catches up in one step.
 * Requests that need an answer carry a `requestId` that the answer echoes.
 *
 * Host → webview messages may carry Float64Arrays: VS Code transfers typed arrays to webviews as such
 * (engines ≥ 1.57). Webview → host byte payloads go as base64 strings, because typed arrays are not revived in
 * that direction.
 */
import type { ScoringRank } from '../core/analysis/types';
import type { ScoringLayout } from '../core/layout/scoring';
import type { TensorNetwork } from '../core/layout/tensorNetwork';
import type { MetricPositionKey } from './run';
import type { ComputeAxis, StudyData, StudyView } from '../core/study/study';

export type PanelKind = 'diagram' | 'tradeoffs' | 'losses' | 'search' | 'study';

// ─── Shared by every panel ───────────────────────────────────────────────────────────────────────────────────────

/** The webview's script has run and its listeners are installed. */
export interface ReadyMessage {
  type: 'ready';
}

/** The webview finished drawing an update; `renderMs` is the time its drawing code took. */
export interface PaintedMessage {
  type: 'painted';
  renderMs: number;
  /** What is on screen now, in a few words (e.g. "2 curves, x to 150"): logged, and read by tests. */
  content: string;
  /** Time since the webview document started loading (performance.now() there): the webview's own share of a first paint. */
  sinceLoadMs: number;
  /** When the panel's script started running, on the same clock: what came before is loading the document and bundle. */
  scriptStartMs: number;
}

export type ExportFormat = 'png' | 'svg' | 'csv';

/** Save a figure or its data: the host asks where (save dialog) and writes the file. */
export interface ExportRequest {
  type: 'export';
  requestId: number;
  format: ExportFormat;
  /** File name without folder, e.g. "mlr-char-lm.diagram.svg". */
  suggestedName: string;
  /** Text (svg, csv) or base64 bytes (png). */
  data: string;
  encoding: 'utf8' | 'base64';
}

/** An exception in the webview, reported so it reaches the extension's log instead of vanishing. */
export interface WebviewErrorMessage {
  type: 'webviewError';
  message: string;
}

export interface ExportResult {
  type: 'exportResult';
  requestId: number;
  outcome: 'saved' | 'cancelled' | 'failed';
  /** The saved file (saved) or the reason (failed). */
  detail?: string;
}

export type CommonFromWebview = ReadyMessage | PaintedMessage | ExportRequest | WebviewErrorMessage;
export type CommonToWebview = ExportResult;

// ─── Structure diagram ───────────────────────────────────────────────────────────────────────────────────────────

export interface DiagramGroup {
  /** Index into its layer's head groups. */
  index: number;
  kind: string;
  heads: number;
  firstHead: number;
  rank: ScoringRank;
  scoringParams: number;
  scoreMacsPerHead: number;
  layout: ScoringLayout;
  /** One network per level, for bilinear (feature-space) families; absent for sequence MLR. */
  networks?: TensorNetwork[];
}

export interface DiagramModel {
  /** The spec file, as a URI string, and a short name to show. */
  uri: string;
  fileName: string;
  name: string;
  model: { width: number; heads: number; headDim: number; layers: number; seqLen: number };
  totals: { params: number; macsPerToken: number; scoreMacsPerHead: number };
  /** The distinct layer structures (analysis.layers order); one when every layer is alike. */
  layers: DiagramLayer[];
}

/** One distinct layer structure and the blocks that use it. */
export interface DiagramLayer {
  /** Block indices with this structure, ascending. */
  layers: number[];
  groups: DiagramGroup[];
}

/** The structure to draw (sent on ready and after every debounced change of the file). */
export interface DiagramModelMessage {
  type: 'diagram/model';
  model: DiagramModel;
}

/** The file cannot be drawn: it is invalid or unreadable. The last good picture stays, greyed, with this reason. */
export interface DiagramProblemMessage {
  type: 'diagram/problem';
  uri: string;
  fileName: string;
  /** 1-based line of the first problem, when it has one. */
  line?: number;
  message: string;
}

/** Show this head group of this layer structure (the CodeLens of one group opens the diagram at it). */
export interface DiagramSelectMessage {
  type: 'diagram/select';
  /** Index into DiagramModel.layers. */
  layer: number;
  group: number;
}

export type DiagramToWebview = CommonToWebview | DiagramModelMessage | DiagramProblemMessage | DiagramSelectMessage;
export type DiagramFromWebview = CommonFromWebview;

/** What the diagram webview saves with setState, and what its serializer gets back after a reload. */
export interface DiagramState {
  uri: string;
  /** Index into DiagramModel.layers. */
  layer: number;
  group: number;
  /** -1: all levels. */
  level: number;
  colourBy: 'rank' | 'macs';
  view: 'matrix' | 'network';
}

// ─── Compute / rank trade-offs ───────────────────────────────────────────────────────────────────────────────────

export type TradeoffSource = 'file' | 'candidate' | 'run';

export interface TradeoffPoint {
  id: string;
  label: string;
  source: TradeoffSource;
  /** Opened on click (spec files, and the spec of a run or candidate when it has one). */
  uri?: string;
  macsPerToken: number;
  macsPerSequence: number;
  rank: number;
  rankMax: number;
  rankSpace: 'features' | 'sequence';
  /** The structure's task.kind ("icl-regression", "language-model", …): points of different tasks do not compete. */
  taskKind: string;
  params: number;
  /** Final evaluation loss of a finished run (the scaling view). */
  finalLoss?: number;
}

export interface SkippedFile {
  uri: string;
  fileName: string;
  reason: string;
}

export interface TradeoffPointsMessage {
  type: 'tradeoffs/points';
  points: TradeoffPoint[];
  /** Files that were found but could not be analysed, with the reason. */
  skipped: SkippedFile[];
}

export type TradeoffsToWebview = CommonToWebview | TradeoffPointsMessage;

export interface OpenFileMessage {
  type: 'openFile';
  uri: string;
}

export type TradeoffsFromWebview = CommonFromWebview | OpenFileMessage;

export type TradeoffX = 'macsPerToken' | 'macsPerSequence';
export type TradeoffY = 'rank' | 'params' | 'finalLoss';

export interface TradeoffsState {
  x: TradeoffX;
  y: TradeoffY;
  logX: boolean;
  logY: boolean;
  /** One chart per task kind and rank space, each with its own Pareto front ("facets"), or all on one chart. */
  group?: 'facets' | 'none';
}

// ─── Live losses ─────────────────────────────────────────────────────────────────────────────────────────────────

export type LossXAxis = MetricPositionKey;

export interface LossRunInfo {
  id: string;
  name: string;
  state: string;
  /** What trains it, status.json's runtime ("torch 2.13.0 · cuda:0 · bf16"); null before its worker started. */
  runtime: string | null;
  /** Series this run has: the train records' keys ("loss", "lr") and the eval metric names, e.g. "val.loss". */
  metrics: string[];
  /** Records received so far. */
  points: number;
}

/** The view the webview draws; the host downsamples for exactly this. */
export interface LossView {
  runIds: string[];
  metrics: string[];
  x: LossXAxis;
  logX: boolean;
  logY: boolean;
  /** EMA weight in [0, 1): 0 is no smoothing. */
  smoothing: number;
  /** Plot width in CSS pixels: one min/max bucket per pixel. */
  buckets: number;
}

export interface LossViewMessage {
  type: 'losses/view';
  revision: number;
  view: LossView;
}

export type LossesFromWebview = CommonFromWebview | LossViewMessage;

export interface LossRunsMessage {
  type: 'losses/runs';
  /** Every run found, newest first. */
  runs: LossRunInfo[];
  /** What to show when the webview has no saved choice: the running runs, else the newest few. */
  defaultRunIds: string[];
}

/** One downsampled curve: raw values (drawn faint) and their EMA (drawn solid), each min/max per pixel. */
export interface LossSeries {
  runId: string;
  metric: string;
  raw: { x: Float64Array; y: Float64Array };
  smooth: { x: Float64Array; y: Float64Array };
  /** The last raw record, for the read-out when the curve is still growing. */
  last?: { x: number; y: number };
}

/**
 * Curves for a view. `complete`: these are all the curves of the view (replace everything drawn); otherwise they
 * replace only the curves with the same run and metric (a streaming update of the runs that changed).
 */
export interface LossSeriesMessage {
  type: 'losses/series';
  revision: number;
  complete: boolean;
  series: LossSeries[];
}

/** Show exactly these runs (the Experiments view's selection, "Show Live Losses" on a run that just started). */
export interface LossSelectMessage {
  type: 'losses/select';
  runIds: string[];
}

export type LossesToWebview = CommonToWebview | LossRunsMessage | LossSeriesMessage | LossSelectMessage;

export interface LossesState {
  view: LossView;
  /** The user picked the metrics; until then the panel shows the train loss and every eval "….loss". */
  metricsChosen: boolean;
}

// ─── Search ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** One planned trial of a search, as the leaderboard and the parallel coordinates show it. */
export interface SearchTrialRow {
  trial: number;
  /** The varied values, short: "ranks 16|8|4|4 · lr 3e-3". */
  params: string;
  /** Each varied value by dimension key: numbers as such (an axis), anything else as short text (a category). */
  values: Record<string, number | string>;
  /** The run of its furthest rung; null while not started. */
  runId: string | null;
  rung: number | null;
  state: string;
  step: number | null;
  /** Training FLOPs it has consumed (its last record); null before any. */
  flops: number | null;
  /** Training FLOPs of its whole planned budget. */
  plannedFlops: number;
  /** The search's objective at its last record; null before any. */
  objective: number | null;
}

export interface SearchViewModel {
  id: string;
  /** The runs directory holding it (with `id`, what the panel restores after a reload). */
  root: string;
  name: string;
  strategy: string;
  /** The metric minimised, e.g. "val.loss". */
  objective: string;
  finished: boolean;
  /** Who drives it: "searching" (this window), "driven by VS Code window (pid 4711)", "stopped", "finished", …. */
  control: string;
  /** Dimension keys in the plan's order, and their short names. */
  dimensions: { key: string; label: string }[];
  trials: SearchTrialRow[];
  /** The trial with the lowest objective (ties: the cheaper one); null before any has one. */
  best: number | null;
}

export interface SearchModelMessage {
  type: 'search/model';
  model: SearchViewModel;
}

/** The search cannot be shown (its folder was deleted or is unreadable). */
export interface SearchProblemMessage {
  type: 'search/problem';
  message: string;
}

export type SearchToWebview = CommonToWebview | SearchModelMessage | SearchProblemMessage;

/** Reveal a trial's run in the Experiments view and show its losses. */
export interface OpenTrialMessage {
  type: 'search/openTrial';
  runId: string;
}

export type SearchFromWebview = CommonFromWebview | OpenTrialMessage;

export type SearchSortKey = 'trial' | 'params' | 'flops' | 'objective' | 'state';

export interface SearchPanelState {
  root: string;
  id: string;
  sort: SearchSortKey;
  descending: boolean;
}

// ─── Study ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** The study's runs (src/core/study/study.ts), or why they could not be read. */
export interface StudyDataMessage {
  type: 'study/data';
  /** What the panel shows, in words ("<search ids> in <runs folder>"). */
  subject: string;
  /** The same as data, saved by the webview so the panel is restored after a reload. */
  runsDir: string;
  searchIds: string[];
  data: StudyData | null;
  problem?: string;
  /** The sweep view's possible x keys ("rank" first). */
  sweepKeys: string[];
}

export type StudyToWebview = CommonToWebview | StudyDataMessage;

/** Read the runs again (they may have trained further). */
export interface StudyRefreshMessage {
  type: 'study/refresh';
}

export type StudyFromWebview = CommonFromWebview | StudyRefreshMessage;

/** What the study webview saves across reloads (setState), and its serializer gets back. */
export interface StudyState {
  runsDir: string;
  searchIds: string[];
  view: StudyView;
  computeAxis: ComputeAxis;
  sweepKey: string;
}
