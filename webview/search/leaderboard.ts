/**
 * The search view's leaderboard: its columns, their order, and the table drawn from them. The sort is pure (unit-
 * tested); headers are buttons, so the keyboard sorts as the mouse does, and each header says its sort to screen
 * readers (aria-sort). A trial's "Open" button reveals its run; the best trial is marked by a star and in words.
 */
import { shortCount } from '../../src/core/format';
import type { SearchSortKey, SearchTrialRow } from '../../src/protocol/webview';
import { KeyedRows } from '../shared/keyedRows';

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

/**
 * The table, built once and updated in place: a header or an Open button keeps its element (and the keyboard focus)
 * while the search's trials stream in.
 */
export class Leaderboard {
  private readonly sortButtons = new Map<SearchSortKey, HTMLButtonElement>();
  private readonly rows: KeyedRows<SearchTrialRow, HTMLTableRowElement>;
  /** The run each trial's Open button reveals (a trial gets its run when it starts). */
  private readonly runIds = new Map<number, string | null>();
  private best: number | null = null;

  constructor(table: HTMLTableElement, on: LeaderboardHandlers) {
    const head = document.createElement('thead');
    const headRow = document.createElement('tr');
    for (const c of COLUMNS) {
      const th = document.createElement('th');
      th.scope = 'col';
      if (c.numeric) th.className = 'numeric';
      const button = document.createElement('button');
      button.className = 'sort';
      button.dataset.sort = c.key;
      button.title = `Sort by ${c.label.toLowerCase()}`;
      button.addEventListener('click', () => on.sort(c.key));
      th.append(button);
      headRow.append(th);
      this.sortButtons.set(c.key, button);
    }
    const openTh = document.createElement('th');
    openTh.scope = 'col';
    openTh.textContent = 'Run';
    headRow.append(openTh);
    head.append(headRow);
    const body = document.createElement('tbody');
    table.replaceChildren(head, body);
    this.rows = new KeyedRows<SearchTrialRow, HTMLTableRowElement>(
      body,
      (r) => String(r.trial),
      (r) => this.createRow(r.trial, on),
      (tr, r) => this.updateRow(tr, r),
    );
  }

  render(rows: readonly SearchTrialRow[], best: number | null, sort: { key: SearchSortKey; descending: boolean }): void {
    this.best = best;
    for (const c of COLUMNS) {
      const button = this.sortButtons.get(c.key)!;
      const sorted = sort.key === c.key;
      button.parentElement!.setAttribute('aria-sort', sorted ? (sort.descending ? 'descending' : 'ascending') : 'none');
      setText(button, `${c.label}${sorted ? (sort.descending ? ' ▼' : ' ▲') : ''}`);
    }
    this.rows.sync(sortTrials(rows, sort.key, sort.descending));
  }

  private createRow(trial: number, on: LeaderboardHandlers): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.dataset.trial = String(trial);
    const head = document.createElement('th');
    head.scope = 'row';
    head.className = 'numeric';
    tr.append(head);
    COLUMNS.slice(1).forEach((c) => {
      const td = document.createElement('td');
      if (c.numeric) td.className = 'numeric';
      tr.append(td);
    });
    const openTd = document.createElement('td');
    const open = document.createElement('button');
    open.className = 'open';
    open.textContent = 'Open';
    open.setAttribute('aria-label', `Open the run of trial ${trial}`);
    open.addEventListener('click', () => {
      const runId = this.runIds.get(trial);
      if (runId) on.open(runId);
    });
    openTd.append(open);
    tr.append(openTd);
    return tr;
  }

  private updateRow(tr: HTMLTableRowElement, r: SearchTrialRow): void {
    const isBest = r.trial === this.best;
    tr.classList.toggle('best', isBest);
    const texts = [
      isBest ? `★ #${r.trial}` : `#${r.trial}`,
      r.params || '(no parameters varied)',
      formatCompute(r),
      formatObjective(r.objective),
      `${r.state}${r.rung ? ` (rung ${r.rung})` : ''}${r.step !== null && r.state === 'running' ? ` · step ${r.step}` : ''}`,
    ];
    texts.forEach((text, i) => setText(tr.cells[i]!, text));
    if (isBest) tr.cells[0]!.setAttribute('aria-label', `trial ${r.trial}, the best`);
    else tr.cells[0]!.removeAttribute('aria-label');
    this.runIds.set(r.trial, r.runId);
    const open = tr.cells[COLUMNS.length]!.querySelector('button')!;
    open.hidden = !r.runId;
    open.title = r.runId ? `Reveal ${r.runId} in the Experiments view and show its losses` : '';
  }
}

function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}
