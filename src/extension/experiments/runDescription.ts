/**
 * The one-line description of a run in the Experiments view: "running · 12/20 · loss 0.8123 · wasm · 1m05s".
 * Pure, so its wording is unit-tested without VS Code.
 */
import { formatDuration } from '../../cli/trainProgress';
import type { RunInfo } from '../../runs/store';
import type { LatestLoss } from '../runs/runsModel';

/** A loss to four significant digits (exponent form when tiny or huge), "NaN" / "∞" as such. */
export function formatLoss(loss: number): string {
  if (Number.isNaN(loss)) return 'NaN';
  if (!Number.isFinite(loss)) return loss > 0 ? '∞' : '-∞';
  return Math.abs(loss) >= 1e-3 && Math.abs(loss) < 1e5 ? loss.toPrecision(4) : loss.toExponential(2);
}

/**
 * State, step of total, latest training loss, backend and duration (start to end, or to `now` while it trains).
 * Parts a run does not have yet (a queued run's backend, a run without records' loss) are left out.
 */
export function describeRun(run: RunInfo, loss: LatestLoss | null, now: number): string {
  const s = run.status;
  const parts: string[] = [run.state];
  if (s) parts.push(`${s.step}/${s.totalSteps}`);
  if (loss) parts.push(`loss ${formatLoss(loss.loss)}`);
  if (s?.backend) parts.push(s.backend);
  const started = s?.startedAt ? Date.parse(s.startedAt) : NaN;
  if (Number.isFinite(started)) {
    const ended = s?.endedAt ? Date.parse(s.endedAt) : run.state === 'running' ? now : NaN;
    if (Number.isFinite(ended)) parts.push(formatDuration(ended - started));
  }
  return parts.join(' · ');
}
