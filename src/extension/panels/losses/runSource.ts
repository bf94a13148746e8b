/**
 * Where the live-losses panel gets runs and their metric records. The panel depends only on RunSeriesSource;
 * RunFolderSource implements it by reading the run folders under mlbtc.runsDirectory (the run-folder format of
 * src/protocol/run.ts) with the run store's readers: status.json for the list, and a MetricsTail per shown run,
 * which costs one stat per poll when nothing was appended and otherwise reads only the new bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricRecord } from '../../../protocol/run';
import { effectiveState } from '../../../protocol/run';
import { isRunEntry } from '../../../runs/layout';
import { MetricsTail } from '../../../runs/metrics';
import { readStatus } from '../../../runs/statusFile';

export interface RunDescriptor {
  id: string;
  name: string;
  state: string;
  /** Sort key: newest first. */
  startedAt: string | null;
}

export type SourceEvent = { kind: 'runs'; runs: RunDescriptor[] } | { kind: 'records'; runId: string; records: MetricRecord[]; reset: boolean };

export interface RunSeriesSource {
  /** Runs now, newest first. */
  list(): RunDescriptor[];
  /** Follow these runs' metrics (and stop following the others): their records arrive as 'records' events, starting with a reset carrying every record so far. */
  follow(runIds: readonly string[]): void;
  onEvent(listener: (event: SourceEvent) => void): { dispose(): void };
  dispose(): void;
}

/** Metrics are polled this often; the run list every LIST_EVERY polls (it reads every status.json). */
const POLL_MS = 500;
const LIST_EVERY = 4;

export class RunFolderSource implements RunSeriesSource {
  private readonly listeners = new Set<(e: SourceEvent) => void>();
  private readonly tails = new Map<string, MetricsTail>();
  private runs: RunDescriptor[] = [];
  private readonly dirOf = new Map<string, string>();
  private readonly timer: ReturnType<typeof setInterval>;
  private ticks = 0;

  /** @param roots the runs directories to read (absolute paths) */
  constructor(private readonly roots: () => string[]) {
    this.runs = this.scan();
    this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  list(): RunDescriptor[] {
    return this.runs;
  }

  follow(runIds: readonly string[]): void {
    for (const id of [...this.tails.keys()]) if (!runIds.includes(id)) this.tails.delete(id);
    for (const id of runIds) {
      const dir = this.dirOf.get(id);
      if (!dir || this.tails.has(id)) continue;
      const tail = new MetricsTail(path.join(dir, 'metrics.jsonl'));
      this.tails.set(id, tail);
      const first = tail.poll();
      this.emit({ kind: 'records', runId: id, records: first.records, reset: true });
    }
  }

  onEvent(listener: (e: SourceEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit(e: SourceEvent): void {
    for (const l of this.listeners) l(e);
  }

  private poll(): void {
    if (++this.ticks % LIST_EVERY === 0) this.rescan();
    for (const [id, tail] of this.tails) {
      const update = tail.poll();
      if (update.records.length || update.reset) this.emit({ kind: 'records', runId: id, records: update.records, reset: update.reset });
    }
  }

  private rescan(): void {
    const runs = this.scan();
    if (JSON.stringify(runs) !== JSON.stringify(this.runs)) {
      this.runs = runs;
      this.emit({ kind: 'runs', runs });
    }
  }

  /** Run folders with a readable status, newest first. Unreadable ones are listed with their state "unreadable". */
  private scan(): RunDescriptor[] {
    const runs: RunDescriptor[] = [];
    for (const root of this.roots()) {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(root, { withFileTypes: true });
      } catch {
        continue; // no runs directory yet
      }
      for (const e of entries) {
        if (!e.isDirectory() || !isRunEntry(e.name)) continue;
        const dir = path.join(root, e.name);
        const read = readStatus(dir);
        if (!read.status && !fs.existsSync(path.join(dir, 'metrics.jsonl'))) continue; // not a run folder
        this.dirOf.set(e.name, dir);
        runs.push({ id: e.name, name: e.name, state: read.status ? effectiveState(read.status) : 'unreadable', startedAt: read.status?.startedAt ?? null });
      }
    }
    return runs.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || a.id.localeCompare(b.id));
  }

  dispose(): void {
    clearInterval(this.timer);
    this.listeners.clear();
    this.tails.clear();
  }
}
