/**
 * status.json read defensively (a worker killed mid-write cannot tear it, since it is replaced atomically, but the
 * folder may come from another version or a hand edit), and the few status writes a manager makes itself: only
 * while no worker is alive on the run and only holding the run's lock (see manager.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../engine/runFolder';
import { RUN_FORMAT_VERSION, RunFiles, type RunState, type RunStatus } from '../protocol/run';

export const RUN_STATES: readonly RunState[] = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'];

export type StatusRead = { status: RunStatus; problem?: undefined } | { status: null; problem: string };

const nullableString = (v: unknown) => v === null || typeof v === 'string';
const nullableNumber = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

/** The run's status, or why it cannot be used. Never throws. */
export function readStatus(runDir: string): StatusRead {
  const file = path.join(runDir, RunFiles.status);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { status: null, problem: `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
  return parseStatus(text, file);
}

export function parseStatus(text: string, file: string): StatusRead {
  let v: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { status: null, problem: `${file}: not a JSON object` };
    v = parsed as Record<string, unknown>;
  } catch (e) {
    return { status: null, problem: `${file}: not valid JSON (${(e as Error).message})` };
  }
  if (v.version !== RUN_FORMAT_VERSION) return { status: null, problem: `${file}: run format version ${JSON.stringify(v.version)}; this version reads ${RUN_FORMAT_VERSION}` };
  if (!RUN_STATES.includes(v.state as RunState)) return { status: null, problem: `${file}: state ${JSON.stringify(v.state)} is not one of ${RUN_STATES.join(', ')}` };
  const fields: [string, (x: unknown) => boolean, string][] = [
    ['pid', nullableNumber, 'a number or null'],
    ['heartbeat', nullableString, 'an ISO time or null'],
    ['backend', nullableString, 'a string or null'],
    ['startedAt', nullableString, 'an ISO time or null'],
    ['endedAt', nullableString, 'an ISO time or null'],
    ['exitReason', nullableString, 'a string or null'],
    ['step', (x) => typeof x === 'number' && Number.isFinite(x), 'a number'],
    ['totalSteps', (x) => typeof x === 'number' && Number.isFinite(x), 'a number'],
  ];
  for (const [key, ok, expected] of fields) {
    if (!ok(v[key])) return { status: null, problem: `${file}: "${key}" should be ${expected} (got ${JSON.stringify(v[key])})` };
  }
  return { status: v as unknown as RunStatus };
}

/** Replace the run's status (atomically). Callers hold the run lock and have checked that no worker is alive. */
export function writeStatus(runDir: string, status: RunStatus): void {
  writeFileAtomic(path.join(runDir, RunFiles.status), `${JSON.stringify(status, null, 2)}\n`);
}
