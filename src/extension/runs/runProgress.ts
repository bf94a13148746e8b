/**
 * The status bar's words, without VS Code: how fast a run trains (measured from its metrics records' training wall
 * time, over its most recent records so a slow first step or a resume does not skew it), when it will end, and the
 * one-line summary of the window's runs. Pure, so every wording and the ETA are unit-tested.
 */
import { formatDuration } from '../../core/format';
import type { TrainRecord } from '../../protocol/run';
import { formatLoss } from './runDescription';

/** Records kept per run for the step time: the recent ones only, so the estimate follows a run that speeds up. */
const WINDOW = 20;

/** A run's measured time per step, from its train records (wallMs excludes evaluation and checkpoint writing). */
export class StepTimer {
  private readonly records: Pick<TrainRecord, 'step' | 'wallMs'>[] = [];

  observe(record: Pick<TrainRecord, 'step' | 'wallMs'>): void {
    const last = this.records[this.records.length - 1];
    // A run rewritten from an earlier checkpoint (resume) starts a new measurement.
    if (last && record.step <= last.step) this.records.length = 0;
    this.records.push(record);
    if (this.records.length > WINDOW) this.records.shift();
  }

  /** Milliseconds per step over the recent records, else the run's average so far; null before any step. */
  msPerStep(): number | null {
    const first = this.records[0];
    const last = this.records[this.records.length - 1];
    if (!first || !last) return null;
    if (last.step > first.step) return (last.wallMs - first.wallMs) / (last.step - first.step);
    return last.step > 0 ? last.wallMs / last.step : null;
  }
}

/** Time left for the steps still to train, at the measured rate; null while there is no measurement. */
export function etaMs(step: number, totalSteps: number, msPerStep: number | null): number | null {
  if (msPerStep === null || !Number.isFinite(msPerStep) || msPerStep < 0) return null;
  return Math.max(0, totalSteps - step) * msPerStep;
}

/** The run the status bar details: the one that started last among those running. */
export interface CurrentRun {
  title: string;
  step: number;
  totalSteps: number;
  loss: number | null;
  eta: number | null;
}

export interface RunsSummary {
  /** With codicons, for the status bar. */
  text: string;
  tooltip: string;
  /** For screen readers: words instead of icons and symbols. */
  accessible: string;
}

const lossPart = (loss: number | null) => (loss !== null ? `, training loss ${formatLoss(loss)}` : '');

/** The status bar item's content; null when nothing runs or waits (the item hides). */
export function runsSummary(running: number, queued: number, current: CurrentRun | null): RunsSummary | null {
  if (!running && !queued) return null;
  const counts = [running ? `${running} running` : '', queued ? `${queued} queued` : ''].filter(Boolean).join(', ');
  const detail: string[] = [];
  const spoken: string[] = [];
  if (current) {
    detail.push(`${current.step}/${current.totalSteps}`);
    spoken.push(`${current.title} at step ${current.step} of ${current.totalSteps}`);
    if (current.loss !== null) {
      detail.push(`loss ${formatLoss(current.loss)}`);
      spoken.push(`loss ${formatLoss(current.loss)}`);
    }
    if (current.eta !== null) {
      detail.push(`${formatDuration(current.eta)} left`);
      spoken.push(`about ${formatDuration(current.eta)} left`);
    }
  }
  const icon = running ? '$(sync~spin)' : '$(clock)';
  const text = [`${icon} ${counts}`, ...detail].join(' · ');
  const tooltip = [
    `MLBTC runs: ${counts}`,
    current ? `${current.title}: step ${current.step} of ${current.totalSteps}${lossPart(current.loss)}` : '',
    current
      ? current.eta !== null
        ? `About ${formatDuration(current.eta)} left at the measured step time`
        : 'Time left: no step measured yet'
      : '',
    'Click to show the live losses',
  ]
    .filter(Boolean)
    .join('\n');
  return {
    text,
    tooltip,
    accessible: `MLBTC runs: ${counts}${spoken.length ? `; ${spoken.join(', ')}` : ''}. Activate to show the live losses.`,
  };
}
