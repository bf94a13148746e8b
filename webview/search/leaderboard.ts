/**
 * The search view's leaderboard: its columns, their order, and the table drawn from them. The sort is pure (unit-
 * tested); headers are buttons, so the keyboard sorts as the mouse does, and each header says its sort to screen
 * readers (aria-sort). A trial's "Open" button reveals its run; the best trial is marked by a star and in words.
 */
import { shortCount } from '../../src/core/format';
import type { SearchSortKey, SearchTrialRow } from '../../src/protocol/webview';

export const COLUMNS: { key: SearchSortKey; label: string; numeric: boolean }[] = [
  { key: 'trial', label: 'Trial', numeric: true },
  { key: 'params', label: 'Parameters', numeric: false },
  { key: 'flops', label: 'Compute (FLOPs)', numeric: true },
  { key: 'objective', label: 'Objective', numeric: true },
  { key: 'state', label: 'State', numeric: false },
];

/** Training first, then waiting, then the ends: how a reader scans a search in progress. */
const STATE_ORDER = ['running', 'queued', 'completed', 'interrupted', 'cancelled', 'failed', 'unknown', 'not started'];

function compare(a: SearchTrialRow, b: SearchTrialRow, key: SearchSortKey): number {
  switch (key) {
    case 'trial':
      return a.trial - b.trial;
    case 'params':
      return a.params.localeCompare(b.params, undefined, { numeric: true });
    case 'state':
      return STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state);
    default: {
      const x = a[key];
      const y = b[key];
      return x === null || y === null ? 0 : x - y;
    }
  }
}

/**
 * Rows sorted by `key`, ties by trial number. Trials without a value for a numeric column (not started, no record)
 * always go last, whichever the direction: they are not "the best" nor "the worst".
 */
export function sortTrials(rows: readonly SearchTrialRow[], key: SearchSortKey, descending: boolean): SearchTrialRow[] {
  const missing = (r: SearchTrialRow) => (key === 'flops' || key === 'objective') && (r[key] === null || !Number.isFinite(r[key]));
  return [...rows].sort((a, b) => {
    const ma = missing(a);
    const mb = missing(b);
    if (ma !== mb) return ma ? 1 : -1;
    const c = compare(a, b, key);
    return (descending ? -c : c) || a.trial - b.trial;
  });
}

export function formatObjective(v: number | null): string {
  if (v === null) return '—';
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toPrecision(4) : v.toExponential(2);
}

/** "1.2 G of 4.8 G": consumed so far of the planned budget. */
export function formatCompute(row: Pick<SearchTrialRow, 'flops' | 'plannedFlops'>): string {
  return `${row.flops === null ? '—' : shortCount(row.flops)} of ${shortCount(row.plannedFlops)}`;
}

export interface LeaderboardHandlers {
  sort(key: SearchSortKey): void;
  open(runId: string): void;
}

/** Draw the table into `table` (replacing what it held). */
export function renderLeaderboard(
  table: HTMLTableElement,
  rows: readonly SearchTrialRow[],
  best: number | null,
  sort: { key: SearchSortKey; descending: boolean },
  on: LeaderboardHandlers,
): void {
  const head = document.createElement('thead');
  const headRow = document.createElement('tr');
  for (const c of COLUMNS) {
    const th = document.createElement('th');
    th.scope = 'col';
    if (c.numeric) th.className = 'numeric';
    th.setAttribute('aria-sort', sort.key === c.key ? (sort.descending ? 'descending' : 'ascending') : 'none');
    const button = document.createElement('button');
    button.className = 'sort';
    button.dataset.sort = c.key;
    button.textContent = `${c.label}${sort.key === c.key ? (sort.descending ? ' ▼' : ' ▲') : ''}`;
    button.title = `Sort by ${c.label.toLowerCase()}`;
    button.addEventListener('click', () => on.sort(c.key));
    th.append(button);
    headRow.append(th);
  }
  const openTh = document.createElement('th');
  openTh.scope = 'col';
  openTh.textContent = 'Run';
  headRow.append(openTh);
  head.append(headRow);

  const body = document.createElement('tbody');
  for (const r of sortTrials(rows, sort.key, sort.descending)) {
    const tr = document.createElement('tr');
    tr.dataset.trial = String(r.trial);
    if (r.trial === best) tr.className = 'best';
    const cells: [string, boolean][] = [
      [r.trial === best ? `★ #${r.trial}` : `#${r.trial}`, true],
      [r.params || '(no parameters varied)', false],
      [formatCompute(r), true],
      [formatObjective(r.objective), true],
      [`${r.state}${r.rung ? ` (rung ${r.rung})` : ''}${r.step !== null && r.state === 'running' ? ` · step ${r.step}` : ''}`, false],
    ];
    cells.forEach(([text, numeric], i) => {
      const td = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) (td as HTMLTableCellElement).scope = 'row';
      if (numeric) td.className = 'numeric';
      td.textContent = text;
      if (i === 0 && r.trial === best) td.setAttribute('aria-label', `trial ${r.trial}, the best`);
      tr.append(td);
    });
    const openTd = document.createElement('td');
    if (r.runId) {
      const open = document.createElement('button');
      open.className = 'open';
      open.textContent = 'Open';
      open.title = `Reveal ${r.runId} in the Experiments view and show its losses`;
      open.setAttribute('aria-label', `Open the run of trial ${r.trial}`);
      const runId = r.runId;
      open.addEventListener('click', () => on.open(runId));
      openTd.append(open);
    }
    tr.append(openTd);
    body.append(tr);
  }
  table.replaceChildren(head, body);
}
