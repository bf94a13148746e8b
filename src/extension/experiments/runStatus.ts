/**
 * What the Experiments view needs from a run folder's status.json, read defensively: the file is written by a
 * worker process that may be mid-crash or from another version, and a bad file must show as such, not hide the run
 * or break the view. Pure.
 */

/** Run states as the worker writes them (src/engine run folder format). */
export const RUN_STATES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export type RunState = (typeof RUN_STATES)[number];

export interface RunSummary {
  /** The run folder's name. */
  id: string;
  state: RunState | 'unknown';
  step?: number;
  startedAt?: string;
  endedAt?: string;
  exitReason?: string;
  /** Why the status could not be read, when it could not. */
  unreadable?: string;
}

export function summarizeStatus(id: string, text: string): RunSummary {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { id, state: 'unknown', unreadable: `status.json is not valid JSON (${(err as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { id, state: 'unknown', unreadable: 'status.json is not a JSON object' };
  const s = value as Record<string, unknown>;
  const state = RUN_STATES.find((x) => x === s.state);
  return {
    id,
    state: state ?? 'unknown',
    ...(typeof s.step === 'number' && Number.isFinite(s.step) ? { step: s.step } : {}),
    ...(typeof s.startedAt === 'string' ? { startedAt: s.startedAt } : {}),
    ...(typeof s.endedAt === 'string' ? { endedAt: s.endedAt } : {}),
    ...(typeof s.exitReason === 'string' ? { exitReason: s.exitReason } : {}),
    ...(state ? {} : { unreadable: `status.json has no known state (got ${JSON.stringify(s.state)}; expected one of ${RUN_STATES.join(', ')})` }),
  };
}

/** Newest first: runs not started yet (queued) on top, then by start time, then by folder name (run ids start with a timestamp). */
export function compareRuns(a: RunSummary, b: RunSummary): number {
  const key = (r: RunSummary) => [r.startedAt === undefined ? 1 : 0, r.startedAt ?? '', r.id] as const;
  const [ka, kb] = [key(a), key(b)];
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? 1 : -1;
  return 0;
}
