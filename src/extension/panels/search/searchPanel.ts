/**
 * The search view of one search: a leaderboard of its trials (parameters, compute, objective, state; sortable), the
 * best trial marked, and the parameters against the objective as parallel coordinates. It follows the search's
 * runs (debounced); clicking a trial reveals its run in the Experiments view and shows its losses.
 * One panel per search.
 */
import * as vscode from 'vscode';
import type { SearchFromWebview, SearchPanelState, SearchToWebview, SearchViewModel } from '../../../protocol/webview';
import { PanelController, type PanelServices } from '../panelController';

export const SEARCH_VIEW_TYPE = 'mlbtc.search';
const DEBOUNCE_MS = 500;

/** A search as the runs side knows it: where it is and which one. */
export interface SearchKey {
  root: string;
  id: string;
}

/** What the panel needs from the runs side (src/extension/runs). */
export interface SearchFeed {
  /** The search as it is now; throws when it cannot be read (deleted). */
  model(search: SearchKey): SearchViewModel;
  /** Fires when any run changed (the panel debounces and rereads). */
  onDidChange(listener: () => void): { dispose(): void };
  /** Reveal a run in the Experiments view and show its losses. */
  openTrial(runId: string): void;
}

export function searchPanelKey(search: SearchKey): string {
  return `${search.root}\0${search.id}`;
}

export class SearchPanel extends PanelController<SearchToWebview, SearchFromWebview> {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    panel: vscode.WebviewPanel,
    services: PanelServices,
    readonly search: SearchKey,
    private readonly feed: SearchFeed,
  ) {
    super('search', panel, services);
    panel.title = `Search ${search.id}`;
    this.disposables.push(
      feed.onDidChange(() => this.schedule()),
      { dispose: () => clearTimeout(this.timer) },
    );
  }

  static create(services: PanelServices, search: SearchKey, feed: SearchFeed): SearchPanel {
    const panel = vscode.window.createWebviewPanel(SEARCH_VIEW_TYPE, `Search ${search.id}`, { viewColumn: vscode.ViewColumn.Active }, {});
    return new SearchPanel(panel, services, search, feed);
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.isReady) this.post(this.message());
    }, DEBOUNCE_MS);
  }

  protected snapshot(): SearchToWebview[] {
    return [this.message()];
  }

  protected onMessage(message: SearchFromWebview): void {
    if (message.type === 'search/openTrial') this.feed.openTrial(message.runId);
  }

  private message(): SearchToWebview {
    try {
      return { type: 'search/model', model: this.feed.model(this.search) };
    } catch (e) {
      return { type: 'search/problem', message: `Search ${this.search.id} cannot be shown: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}

/** The state a search webview saved: enough to reopen the same search after a reload. */
export function isSearchPanelState(state: unknown): state is SearchPanelState {
  const s = state as Partial<SearchPanelState> | null;
  return typeof s === 'object' && s !== null && typeof s.root === 'string' && typeof s.id === 'string';
}
