/**
 * Job states from `squeue --json` and `sacct --json`, read defensively: the schema differs between Slurm versions
 * (22.05's data_parser v0.0.38 has `job_state: "RUNNING"`, later ones `job_state: ["RUNNING"]` and numbers as
 * `{set, number}` objects), so every field may be missing or shaped otherwise, and an unreadable job is skipped.
 *
 * Jobs are keyed "123" (a plain job) or "123_4" (task 4 of array 123). A pending array whose tasks are not split
 * yet appears once, as "123_*", standing for each of its tasks not listed on their own.
 */

/** What a run shows of its job. "interrupted": killed by the time limit, preemption or a node failure; resumable. */
export type JobPhase = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted' | 'unknown';

export interface JobObservation {
  key: string;
  /** Slurm's own state name, e.g. "PENDING", "TIMEOUT". */
  state: string;
  phase: JobPhase;
  /** Why it waits or ended, as Slurm says it ("Priority", "Resources", "JobHeldUser"); null for "None". */
  reason: string | null;
  /** The node it runs or ran on. */
  node: string | null;
  exitCode: number | null;
  /** Times Slurm restarted it (requeue). */
  restarts: number;
}

const PHASES: Record<string, JobPhase> = {
  PENDING: 'pending',
  CONFIGURING: 'pending',
  REQUEUED: 'pending',
  REQUEUE_HOLD: 'pending',
  REQUEUE_FED: 'pending',
  RESV_DEL_HOLD: 'pending',
  SUSPENDED: 'pending',
  STOPPED: 'pending',
  RUNNING: 'running',
  COMPLETING: 'running',
  SIGNALING: 'running',
  STAGE_OUT: 'running',
  RESIZING: 'running',
  UPDATE_DB: 'running',
  POWER_UP_NODE: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  OUT_OF_MEMORY: 'failed',
  BOOT_FAIL: 'failed',
  DEADLINE: 'failed',
  SPECIAL_EXIT: 'failed',
  LAUNCH_FAILED: 'failed',
  CANCELLED: 'cancelled',
  REVOKED: 'cancelled',
  TIMEOUT: 'interrupted',
  PREEMPTED: 'interrupted',
  NODE_FAIL: 'interrupted',
};

/** Phase of a Slurm state name ("CANCELLED by 0" and flags after the name are tolerated). */
export function phaseOf(state: string): JobPhase {
  return PHASES[state.trim().split(/[\s+]/)[0]!.toUpperCase()] ?? 'unknown';
}

export const FINISHED_PHASES: readonly JobPhase[] = ['completed', 'failed', 'cancelled', 'interrupted'];

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A number that may come as 5, "5", or {set: true, number: 5} (newer parsers). */
function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  if (isObject(v) && v.set !== false && 'number' in v) return num(v.number);
  return null;
}

/** A state that may come as "RUNNING", ["RUNNING"], ["RUNNING", "COMPLETING"], or {current: ...}. */
function stateName(v: unknown): string | null {
  if (typeof v === 'string' && v) return v;
  if (Array.isArray(v)) return v.find((x): x is string => typeof x === 'string' && x !== '') ?? null;
  if (isObject(v)) return stateName(v.current);
  return null;
}

function text(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t === '' || t === 'None' || t === 'None assigned' || t === '(null)' ? null : t;
}

function keyOf(jobId: number, arrayJobId: number | null, taskId: number | null, pendingArray: boolean): string {
  if (arrayJobId !== null && arrayJobId > 0)
    return taskId !== null ? `${arrayJobId}_${taskId}` : pendingArray ? `${arrayJobId}_*` : String(jobId);
  return String(jobId);
}

function observation(
  key: string,
  state: string,
  reason: unknown,
  node: unknown,
  exitCode: number | null,
  restarts: unknown,
): JobObservation {
  return {
    key,
    state,
    phase: phaseOf(state),
    reason: text(reason),
    node: text(node),
    exitCode,
    restarts: num(restarts) ?? 0,
  };
}

function jobsOf(json: unknown): unknown[] {
  return isObject(json) && Array.isArray(json.jobs) ? json.jobs : [];
}

/** Jobs in `squeue --json` output. */
export function parseSqueue(json: unknown): JobObservation[] {
  const out: JobObservation[] = [];
  for (const j of jobsOf(json)) {
    if (!isObject(j)) continue;
    const jobId = num(j.job_id);
    const state = stateName(j.job_state);
    if (jobId === null || state === null) continue;
    const pendingArray = typeof j.array_task_string === 'string' && j.array_task_string !== '';
    const key = keyOf(jobId, num(j.array_job_id), num(j.array_task_id), pendingArray);
    out.push(observation(key, state, j.state_reason, j.batch_host ?? j.nodes, num(j.exit_code), j.restart_cnt));
  }
  return out;
}

/** Jobs in `sacct --json` output (steps are ignored: the job's own record says how it ended). */
export function parseSacct(json: unknown): JobObservation[] {
  const out: JobObservation[] = [];
  for (const j of jobsOf(json)) {
    if (!isObject(j)) continue;
    const jobId = num(j.job_id);
    const state = stateName(j.state);
    if (jobId === null || state === null) continue;
    const array = isObject(j.array) ? j.array : {};
    const pendingArray = array.task !== undefined && array.task !== null && num(array.task_id) === null;
    const key = keyOf(jobId, num(array.job_id), num(array.task_id), pendingArray);
    const exit = isObject(j.exit_code) ? num(j.exit_code.return_code) : num(j.exit_code);
    out.push(observation(key, state, isObject(j.state) ? j.state.reason : null, j.nodes, exit, j.restart_cnt));
  }
  return out;
}

/** The observation for `key` ("123" or "123_4"), falling back to its pending array ("123_*"). */
export function lookupJob(jobs: ReadonlyMap<string, JobObservation>, key: string): JobObservation | undefined {
  const found = jobs.get(key);
  if (found) return found;
  const underscore = key.indexOf('_');
  return underscore > 0 ? jobs.get(`${key.slice(0, underscore)}_*`) : undefined;
}

/** "pending (Priority)", "running on node12", "interrupted (TIMEOUT)": a job's state in a few words. */
export function describeJob(job: JobObservation | undefined): string {
  if (!job) return 'state unknown';
  switch (job.phase) {
    case 'pending':
      return `pending${job.reason ? ` (${job.reason})` : ''}`;
    case 'running':
      return `running${job.node ? ` on ${job.node}` : ''}`;
    case 'interrupted':
      return `interrupted (${job.state})`;
    case 'unknown':
      return `in Slurm state ${job.state}`;
    default:
      return job.phase === 'failed' ? `failed (${job.state}${job.exitCode !== null ? `, exit ${job.exitCode}` : ''})` : job.phase;
  }
}
