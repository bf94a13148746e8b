/**
 * Completed runs as points of the trade-offs panel (its scaling view): the run's trained structure analysed like a
 * spec file (compute, rank, parameters), plus its final evaluation loss. Changes when a run completes or goes away.
 *
 * Choice: the final loss is the last "val.loss" in the run's metrics (every task reports it; the panel's axis is
 * "final eval loss"). A completed run without one (evaluation never ran) is left out rather than plotted with its
 * training loss, which is not comparable across runs with different data.
 */
import { pathToFileURL } from 'node:url';
import { analyze } from '../../core/analysis';
import type { Analysis } from '../../core/analysis/types';
import { readRunSpec } from '../../runfolder/runFolder';
import type { TradeoffPoint } from '../../protocol/webview';
import { Emitter, type Disposable } from '../../runs/events';
import { objectiveOf } from '../../runs/search/trialRuns';
import type { RunInfo } from '../../runs/store';
import { runTitle } from './runDescription';
import { tradeoffPoint } from '../panels/tradeoffs/points';
import type { RunsModel } from './runsModel';
import type { TrialParams } from './trialParams';

export const FINAL_LOSS_METRIC = 'val.loss';

export class RunTradeoffs implements Disposable {
  /** By run id: completed runs do not change, so each is read (spec.json, metrics tail) once. */
  private readonly cache = new Map<string, TradeoffPoint | null>();
  private readonly changed = new Emitter<void>();
  private readonly subscriptions: Disposable[];

  /** @param trials names search trials by the values they varied (none: by number) */
  constructor(
    private readonly model: RunsModel,
    private readonly trials?: TrialParams,
  ) {
    this.subscriptions = [
      model.onRootsChanged(() => this.changed.emit()),
      model.onEvent(({ event }) => {
        if (event.type === 'removed') {
          if (this.cache.delete(event.id)) this.changed.emit();
        } else if (event.type === 'state' && (event.run.state === 'completed' || event.previous === 'completed')) {
          this.cache.delete(event.run.id); // completed again after a retry-in-place or resume: read it anew
          this.changed.emit();
        }
      }),
    ];
  }

  /** A point per completed run that has a final evaluation loss. */
  points(): TradeoffPoint[] {
    const points: TradeoffPoint[] = [];
    for (const run of this.model.runs()) {
      if (run.state !== 'completed') continue;
      let point = this.cache.get(run.id);
      if (point === undefined) {
        point = this.read(run);
        this.cache.set(run.id, point);
      }
      if (point) points.push(point);
    }
    return points;
  }

  onDidChange(listener: () => void): Disposable {
    return this.changed.on(listener);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }

  private read(run: RunInfo): TradeoffPoint | null {
    let analysis: Analysis;
    let finalLoss: number;
    let taskKind: string;
    try {
      const final = objectiveOf(run, FINAL_LOSS_METRIC);
      if (!final || !Number.isFinite(final.value)) return null;
      finalLoss = final.value;
      const spec = readRunSpec(run.dir).spec;
      analysis = analyze(spec);
      taskKind = spec.task.kind;
    } catch {
      return null; // an unreadable spec.json or metrics file: nothing to plot
    }
    const uri = run.source ? pathToFileURL(run.source).href : undefined;
    const label = runTitle(run, new Date(), this.trials?.of(run)?.params);
    return tradeoffPoint(`run:${run.id}`, label, 'run', uri, analysis, taskKind, finalLoss);
  }
}
