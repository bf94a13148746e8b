/**
 * Live losses: train and eval curves of the selected runs, overlaid and streaming. The host keeps the records
 * (seriesStore.ts) and sends only downsampled curves: min/max per pixel for exactly the view the webview reports
 * (x axis, scales, smoothing, width), so 50 runs of 100,000 points cost the webview a few thousand points each.
 * New records are batched: at most one update per UPDATE_MS, carrying only the runs that changed.
 */
import * as vscode from 'vscode';
import type { LossesFromWebview, LossesToWebview, LossRunInfo, LossView } from '../../../protocol/webview';
import { PanelController, type PanelServices } from '../panelController';
import type { RunSeriesSource } from './runSource';
import { CurveCache, curves, RunSeries, TRAIN_LOSS } from './seriesStore';

export const LOSSES_VIEW_TYPE = 'mlbtc.losses';
const UPDATE_MS = 250;
/** Runs shown when the panel opens with no saved view: the running ones, else the newest few. */
const DEFAULT_RUNS = 5;

export class LossesPanel extends PanelController<LossesToWebview, LossesFromWebview> {
  private readonly store = new Map<string, RunSeries>();
  private readonly cache = new CurveCache();
  private view: LossView | undefined;
  /** Runs asked for by showRuns that the webview has not shown yet. */
  private selection: string[] | undefined;
  private revision = 0;
  private readonly dirty = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    panel: vscode.WebviewPanel,
    services: PanelServices,
    private readonly source: RunSeriesSource,
  ) {
    super('losses', panel, services);
    const events = source.onEvent((e) => {
      if (e.kind === 'runs') {
        this.post(this.runsMessage());
        return;
      }
      let run = this.store.get(e.runId);
      if (!run || e.reset) {
        this.store.set(e.runId, (run = new RunSeries()));
        this.cache.forget(e.runId);
      }
      run.append(e.records);
      this.dirty.add(e.runId);
      this.timer ??= setTimeout(() => this.flush(), UPDATE_MS);
    });
    this.disposables.push(events, source, { dispose: () => clearTimeout(this.timer) });
  }

  static create(services: PanelServices, source: RunSeriesSource): LossesPanel {
    const panel = vscode.window.createWebviewPanel(LOSSES_VIEW_TYPE, 'Live Losses', { viewColumn: vscode.ViewColumn.Active }, {});
    return new LossesPanel(panel, services, source);
  }

  /** Runs the panel shows first when the webview has no saved choice. */
  defaultRuns(): string[] {
    const runs = this.source.list();
    const running = runs.filter((r) => r.state === 'running').map((r) => r.id);
    return running.length ? running : runs.slice(0, DEFAULT_RUNS).map((r) => r.id);
  }

  private runsMessage(): LossesToWebview {
    const runs = this.source.list().map((r): LossRunInfo => ({
      id: r.id,
      name: r.name,
      state: r.state,
      runtime: r.runtime,
      metrics: this.store.get(r.id)?.metrics() ?? [TRAIN_LOSS],
      points: this.store.get(r.id)?.records ?? 0,
    }));
    return { type: 'losses/runs', runs, defaultRunIds: this.defaultRuns() };
  }

  /** Show exactly these runs. Kept until the webview reports a view of them, so a webview still loading gets it too. */
  showRuns(runIds: string[]): void {
    this.selection = runIds;
    this.post({ type: 'losses/select', runIds });
  }

  protected snapshot(): LossesToWebview[] {
    // The curves follow when the webview reports its view (its width is known only there).
    return [this.runsMessage(), ...(this.selection ? [{ type: 'losses/select' as const, runIds: this.selection }] : [])];
  }

  protected onMessage(message: LossesFromWebview): void {
    if (message.type !== 'losses/view') return;
    const selection = this.selection;
    if (selection && selection.length === message.view.runIds.length && selection.every((id) => message.view.runIds.includes(id)))
      this.selection = undefined;
    this.view = message.view;
    this.revision = message.revision;
    this.source.follow(message.view.runIds);
    this.dirty.clear();
    this.post({
      type: 'losses/series',
      revision: this.revision,
      complete: true,
      series: curves(this.store, this.view, this.view.runIds, this.cache),
    });
  }

  /** Send the curves of the runs that received records since the last update. */
  private flush(): void {
    this.timer = undefined;
    const changed = [...this.dirty];
    this.dirty.clear();
    this.post(this.runsMessage());
    if (!this.view) return;
    const shown = changed.filter((id) => this.view!.runIds.includes(id));
    if (shown.length)
      this.post({
        type: 'losses/series',
        revision: this.revision,
        complete: false,
        series: curves(this.store, this.view, shown, this.cache),
      });
  }
}
