/**
 * How a run reads in the Experiments view and the live-losses panel: a label that says what it is ("tiny · 15:32:55",
 * "#3 ranks 16|8|4|4 · lr 3e-3") and a one-line description led by its loss, so that the loss stays visible when
 * the view is narrow ("loss 0.8123 · running · 12/20 · wasm · 1m05s"). Pure, so the wording is unit-tested
 * without VS Code.
 */
import { formatDuration } from '../../core/format';
import type { RunInfo } from '../../runs/store';
import type { LatestLoss } from './runsModel';

/** A loss to four significant digits (exponent form when tiny or huge), "NaN" / "∞" as such. */
export function formatLoss(loss: number): string {
  if (Number.isNaN(loss)) return 'NaN';
  if (!Number.isFinite(loss)) return loss > 0 ? '∞' : '-∞';
  return Math.abs(loss) >= 1e-3 && Math.abs(loss) < 1e5 ? loss.toPrecision(4) : loss.toExponential(2);
}

/**
 * Latest training loss, state, step of total, backend and duration (start to end, or to `now` while it trains).
 * Parts a run does not have yet (a queued run's backend, a run without records' loss) are left out.
 */
export function describeRun(run: RunInfo, loss: LatestLoss | null, now: number): string {
  const s = run.status;
  const parts: string[] = loss ? [`loss ${formatLoss(loss.loss)}`, run.state] : [run.state];
  if (s) parts.push(`${s.step}/${s.totalSteps}`);
  if (s?.backend) parts.push(s.backend);
  const started = s?.startedAt ? Date.parse(s.startedAt) : NaN;
  if (Number.isFinite(started)) {
    const ended = s?.endedAt ? Date.parse(s.endedAt) : run.state === 'running' ? now : NaN;
    if (Number.isFinite(ended)) parts.push(formatDuration(ended - started));
  }
  return parts.join(' · ');
}

/** Run and search ids the store makes: "<slug>-<yyyymmdd>-<hhmmss>-<4 hex digits>" (runs/layout.ts newRunId). */
const GENERATED_ID = /^(.+)-(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)-[0-9a-f]{4}$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** When a run was created: "15:32:55" today, "Nov 21 15:32" before, in local time; undefined for a hand-named folder. */
function createdLabel(run: RunInfo, now: Date): string | undefined {
  const created = new Date(run.createdAt);
  if (!GENERATED_ID.test(run.id) || Number.isNaN(created.getTime())) return undefined;
  return whenLabel(created, now);
}

/**
 * A search's row (its icon says it is a search): its name and when it was started ("lr-sweep · 15:32:55"), read from
 * its id (local time), so that who drives it, beside the label, stays visible at the view's default width. The id is
 * in the tooltip.
 */
export function searchLabel(id: string, now: Date): string {
  const m = GENERATED_ID.exec(id);
  if (!m) return id;
  const [y, mo, d, h, mi, s] = m.slice(2).map(Number) as [number, number, number, number, number, number];
  return `${m[1]} · ${whenLabel(new Date(y, mo - 1, d, h, mi, s), now)}`;
}

function whenLabel(created: Date, now: Date): string {
  const sameDay =
    created.getFullYear() === now.getFullYear() && created.getMonth() === now.getMonth() && created.getDate() === now.getDate();
  const time = `${two(created.getHours())}:${two(created.getMinutes())}`;
  return sameDay ? `${time}:${two(created.getSeconds())}` : `${MONTHS[created.getMonth()]} ${created.getDate()} ${time}`;
}

/**
 * What a run is, in a few words: a search trial's number and the values the search varied (`params`, from
 * trialParams), with its rung past the first; else its structure's name and when it was created. A folder named by
 * hand (`mlbtc train --out`) keeps its name. The full id is in the tooltip and the row's accessible name.
 *
 * `underFile`: the structure file the run is listed under (the Experiments view). A run named as its file says only
 * when it was created there, so that the loss beside it stays visible at the view's default width.
 */
export function runLabel(run: RunInfo, now: Date, params?: string, underFile?: string): string {
  if (run.search) {
    const rung = run.search.rung ? ` (rung ${run.search.rung})` : '';
    return params ? `#${run.search.trial} ${params}${rung}` : `trial ${run.search.trial}${rung}`;
  }
  const created = createdLabel(run, now);
  if (!created) return run.id;
  return underFile !== undefined && underFile.replace(/\.mlbtc\.json$/, '') === run.name ? created : `${run.name} · ${created}`;
}

/** A run among runs of several structures (the live-losses panel): its structure's name, then its label. */
export function runTitle(run: RunInfo, now: Date, params?: string): string {
  if (run.search) return `${run.name} · ${runLabel(run, now, params)}`;
  return runLabel(run, now);
}
