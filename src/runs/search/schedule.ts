/**
 * What a search does next, as a pure function of where its trials stand: start a new trial, promote one to the next
 * ASHA rung, wait, or nothing (done once nothing is active).
 *
 * ASHA (Li et al., "A System for Massively Parallel Hyperparameter Tuning", 2020): whenever a slot is free, look
 * from the highest rung down for a trial that is in the top 1/eta of the trials finished at its rung and not yet
 * promoted; promote the best such trial, else start a new trial at the first rung. Nothing waits for a rung to fill,
 * so slots never idle; the price is that early decisions see few trials (a trial is only promoted once eta trials
 * have finished its rung).
 * Choices: a trial whose rung run failed (diverged, crashed) counts as finished with an infinite objective, so it
 * uses its share of the rung but is never promoted; a rung run the user stopped (cancelled) does not count at all.
 * Ties in the objective go to the lower trial number. Grid and random searches are ASHA with one rung.
 */

export type RungOutcome = { state: 'active' } | { state: 'completed'; objective: number } | { state: 'failed' } | { state: 'stopped' };

export interface TrialProgress {
  trial: number;
  /** Outcome of each rung the trial has a run for, by rung index. */
  rungs: Map<number, RungOutcome>;
}

export type NextAction = { type: 'start'; trial: number } | { type: 'promote'; trial: number; rung: number } | null;

/** Trials finished at `rung`, best first (failed last), with their objective. */
function finishedAt(trials: readonly TrialProgress[], rung: number): { trial: number; objective: number }[] {
  const out: { trial: number; objective: number }[] = [];
  for (const t of trials) {
    const o = t.rungs.get(rung);
    if (o?.state === 'completed') out.push({ trial: t.trial, objective: Number.isFinite(o.objective) ? o.objective : Infinity });
    else if (o?.state === 'failed') out.push({ trial: t.trial, objective: Infinity });
  }
  return out.sort((a, b) => a.objective - b.objective || a.trial - b.trial);
}

/**
 * The next action for a search of `planned` trials (numbered 0..planned−1) over `rungs` rungs with reduction factor
 * `eta`. `trials` holds every trial that has at least one run.
 */
export function nextAction(trials: readonly TrialProgress[], planned: number, rungs: number, eta: number): NextAction {
  const byTrial = new Map(trials.map((t) => [t.trial, t]));
  for (let k = rungs - 2; k >= 0; k--) {
    const finished = finishedAt(trials, k);
    const top = finished.slice(0, Math.floor(finished.length / eta));
    const promotable = top.find((f) => Number.isFinite(f.objective) && !byTrial.get(f.trial)!.rungs.has(k + 1));
    if (promotable) return { type: 'promote', trial: promotable.trial, rung: k + 1 };
  }
  for (let t = 0; t < planned; t++) if (!byTrial.has(t)) return { type: 'start', trial: t };
  return null;
}

/** Trials with a run still queued or training. */
export function activeCount(trials: readonly TrialProgress[]): number {
  let n = 0;
  for (const t of trials) for (const o of t.rungs.values()) if (o.state === 'active') n++;
  return n;
}
