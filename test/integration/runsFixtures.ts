// Shared by the run tests in the real editor: tiny structures that train in seconds on 2 cores, a runs directory of
// their own (so other suites' hand-written run folders never share the queue), and reading what a run wrote.
import path from 'node:path';
import * as vscode from 'vscode';
import type { MlbtcStudioApi, ViewRow } from '../../src/extension/extension';
import { RunFiles, type MetricRecord } from '../../src/protocol/run';
import { forEachMetric } from '../../src/runs/metrics';
import type { RunInfo } from '../../src/runs/store';
import { waitFor, workspaceUri, writeText } from './util';

/**
 * In-context regression with d = 4 (T 16), width 16, one layer: about 3,500 parameters, 20 steps in ~2 s on cpu.
 * Every step is logged, an evaluation every 10 steps, a checkpoint every 10.
 */
export function tinySpec(name: string, training: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      name,
      task: { kind: 'icl-regression', inputDim: 4 },
      model: { width: 16, heads: 2, layers: 1, seqLen: 16 },
      attention: { kind: 'dense' },
      training: {
        steps: 20,
        batchSize: 4,
        lr: 0.001,
        warmupSteps: 0,
        logEvery: 1,
        evalEvery: 10,
        evalBatches: 1,
        checkpointEvery: 10,
        ...training,
      },
      ...extra,
    },
    null,
    2,
  );
}

export async function writeSpec(file: string, text: string): Promise<vscode.Uri> {
  const uri = workspaceUri(file);
  await writeText(uri, text);
  return uri;
}

/**
 * Point mlbtc.runsDirectory (and mlbtc.backend, mlbtc.runtime) at values of this suite for its duration. Call in a
 * describe()'s before(); the returned function restores the defaults (call it in after()). The runtime is tfjs
 * unless a suite asks otherwise, so a machine with PyTorch installed runs the tfjs suites on tfjs all the same
 * (a structure's own training.runtime still wins).
 */
export async function useSettings(runsDirectory: string, backend = 'cpu', runtime = 'tfjs'): Promise<() => Promise<void>> {
  const config = vscode.workspace.getConfiguration('mlbtc');
  await config.update('runsDirectory', runsDirectory, vscode.ConfigurationTarget.Workspace);
  await config.update('backend', backend, vscode.ConfigurationTarget.Workspace);
  await config.update('runtime', runtime, vscode.ConfigurationTarget.Workspace);
  return async () => {
    await config.update('runsDirectory', undefined, vscode.ConfigurationTarget.Workspace);
    await config.update('backend', undefined, vscode.ConfigurationTarget.Workspace);
    await config.update('runtime', undefined, vscode.ConfigurationTarget.Workspace);
  };
}

/** What the run has logged so far; none before its worker's first record (a run is `running` before that). */
export function records(run: RunInfo): MetricRecord[] {
  const all: MetricRecord[] = [];
  forEachMetric(path.join(run.dir, RunFiles.metrics), (r) => void all.push(r));
  return all;
}

export function waitForRun(
  api: MlbtcStudioApi,
  id: string,
  what: string,
  accept: (run: RunInfo) => boolean,
  timeoutMs = 90_000,
): Promise<RunInfo> {
  return waitFor(
    `${id} ${what}`,
    () => {
      const run = api.runs().find((r) => r.id === id);
      return run && accept(run) ? run : undefined;
    },
    timeoutMs,
  );
}

/** The run's row under its experiment in the Experiments view, as it shows now. */
export function runRow(api: MlbtcStudioApi, experiment: string, runId: string): ViewRow | undefined {
  return api
    .experimentsView()
    .find((e) => e.label === experiment)
    ?.children?.find((r) => r.id === `run:${runId}`);
}
