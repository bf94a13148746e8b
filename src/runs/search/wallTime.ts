/**
 * How long a search plan would take here: its training FLOPs at the throughput measured on this machine, from the
 * completed runs of the same runtime in the runs directory (their last train record: cumulative FLOPs, tokens and
 * training wall time). Without such a run the plan says "no measurement yet" instead of guessing.
 *
 * Choice: the rate is FLOPs per second, not tokens per second: the trials of a search differ in size, and a token of
 * a wide model costs many times one of a narrow model, while FLOPs already count that (tokens/s is still shown).
 * Trials at once share the machine, so the estimate is the serial time (total FLOPs / rate), not divided by the
 * concurrency.
 */
import * as path from 'node:path';
import { formatDuration, plural, shortCount } from '../../core/format';
import { RunFiles, type MetricPosition, type RunStatus } from '../../protocol/run';
import { lastMetric } from '../metrics';
import { runtimeOfSpec } from '../runtime';
import type { RunInfo } from '../store';
import type { SearchPlan } from './plan';

/** The runtime of runs that do not record one (they predate the field): the tfjs engine. */
export const DEFAULT_RUNTIME = 'tfjs';

export interface Throughput {
  runtime: string;
  flopsPerSecond: number;
  tokensPerSecond: number;
  /** Completed runs measured. */
  runs: number;
}

/**
 * The runtime a run's status names: the first word of status.json's descriptor ("torch 2.13.0 · cpu · fp32" →
 * "torch"), else the default.
 */
export function runtimeOf(status: RunStatus | null): string {
  const runtime = (status as { runtime?: unknown } | null)?.runtime;
  return (typeof runtime === 'string' && runtime.split(' ')[0]) || DEFAULT_RUNTIME;
}

/** Pooled rate over the runs' totals (a long run weighs more than a short one); null without training time. */
export function pooledThroughput(
  runtime: string,
  totals: readonly Pick<MetricPosition, 'flops' | 'tokens' | 'wallMs'>[],
): Throughput | null {
  const usable = totals.filter((t) => t.wallMs > 0 && t.flops > 0);
  const ms = usable.reduce((a, t) => a + t.wallMs, 0);
  if (!usable.length || ms <= 0) return null;
  return {
    runtime,
    flopsPerSecond: (usable.reduce((a, t) => a + t.flops, 0) / ms) * 1000,
    tokensPerSecond: (usable.reduce((a, t) => a + t.tokens, 0) / ms) * 1000,
    runs: usable.length,
  };
}

/** The throughput of the completed runs of `runtime` among `runs` (reads each one's last train record). */
export function measuredThroughput(runs: readonly RunInfo[], runtime: string): Throughput | null {
  const totals: MetricPosition[] = [];
  for (const run of runs) {
    if (run.state !== 'completed' || runtimeOf(run.status) !== runtime) continue;
    try {
      const last = lastMetric(path.join(run.dir, RunFiles.metrics), (r) => r.kind === 'train');
      if (last) totals.push(last);
    } catch {
      // unreadable metrics: not measured
    }
  }
  return pooledThroughput(runtime, totals);
}

/** The runtime the plan's trials train on, as a run records it (runtimeOfSpec: "auto" or none reads as tfjs). */
export function planRuntime(plan: SearchPlan): string {
  const first = plan.trials[0];
  return first ? runtimeOfSpec(first.spec) : DEFAULT_RUNTIME;
}

/** The plan's wall-time line from the runs of a runs directory. */
export function planWallTime(plan: SearchPlan, runs: readonly RunInfo[]): string {
  const runtime = planRuntime(plan);
  return wallTimeLine(plan, measuredThroughput(runs, runtime), runtime);
}

/** The FLOPs the plan is expected to train: with ASHA the expected (not the worst-case) total. */
export function plannedFlops(plan: SearchPlan): number {
  return plan.asha ? plan.compute.expectedFlops : plan.compute.maxFlops;
}

/** One line for the plan: "Wall time: about 12m at 3.1G FLOP/s (…)" or "Wall time: no measurement yet (…)". */
export function wallTimeLine(plan: SearchPlan, throughput: Throughput | null, runtime: string): string {
  if (!throughput)
    return `Wall time: no measurement yet (no completed ${runtime} run in this runs directory to measure the throughput of this machine)`;
  const seconds = plannedFlops(plan) / throughput.flopsPerSecond;
  return (
    `Wall time: about ${formatDuration(seconds * 1000)} one trial after another, at ${shortCount(throughput.flopsPerSecond)}FLOP/s ` +
    `(${shortCount(throughput.tokensPerSecond)} tokens/s) measured over ${plural(throughput.runs, `completed ${runtime} run`)}`
  );
}
