/**
 * "MLBTC: Show Search": which search to show (the Experiments view's search node, { searchId }, else the only
 * search or one picked), and the feed the search panel reads (searchView.ts) as this window's runs change.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SearchFeed, SearchKey } from '../panels/search/searchPanel';
import { decidePick } from './pickDecision';
import type { RunService } from './runService';
import { readSearchView } from './searchView';
import { searchFromArgs } from './targets';

export async function chooseSearch(service: RunService, args: unknown[]): Promise<SearchKey | undefined> {
  const model = service.start();
  try {
    const named = searchFromArgs(model, args[0]);
    if (named) return named;
  } catch (e) {
    void vscode.window.showErrorMessage((e as Error).message);
    return undefined;
  }
  const searches = new Map<string, SearchKey & { name: string; runs: number }>();
  for (const run of model.runs()) {
    if (!run.search) continue;
    const root = path.dirname(run.dir);
    const key = `${root}\0${run.search.id}`;
    const entry = searches.get(key) ?? { root, id: run.search.id, name: run.name, runs: 0 };
    entry.runs++;
    searches.set(key, entry);
  }
  const decision = decidePick([...searches.values()].reverse());
  if (decision.kind === 'none') {
    void vscode.window.showInformationMessage(
      'Show Search: no search yet. A structure with a "search" block starts one (MLBTC: Start Search).',
    );
    return undefined;
  }
  if (decision.kind === 'direct') return decision.item;
  const picked = await vscode.window.showQuickPick(
    decision.items.map((s) => ({ label: s.id, description: `${s.runs} run${s.runs === 1 ? '' : 's'}`, search: s })),
    { title: 'Show Search', placeHolder: 'Search' },
  );
  return picked?.search;
}

export function searchFeed(service: RunService, reveal: (runId: string) => void): SearchFeed {
  return {
    model: (search) => readSearchView(search, service.searches.isDriving(search)),
    onDidChange: (listener) => service.start().onEvent(() => listener()),
    openTrial: reveal,
  };
}
