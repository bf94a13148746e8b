/**
 * Shared setup for the run store, manager and search tests: tiny specs, temp folders, bundled workers, a failing
 * fs shim.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { isProcessAlive } from '../../src/runfolder/process';
import { RunStore } from '../../src/runs/store';

export const repoRoot = path.resolve(__dirname, '..', '..');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mlbtc-${prefix}-`));
}

/** A valid raw spec small enough to train in milliseconds per step. */
export function tinyRawSpec(training: Partial<NonNullable<StructureSpec['training']>> = {}, name = 'tiny'): StructureSpec {
  return {
    name,
    task: { kind: 'icl-regression', inputDim: 2, noise: 0 },
    model: { width: 8, heads: 2, layers: 1, seqLen: 8, mlpRatio: 2 },
    attention: { kind: 'dense', logitScale: 'standard', qkNorm: true },
    training: { steps: 20, batchSize: 2, logEvery: 1, evalEvery: 5, checkpointEvery: 5, backend: 'cpu', ...training },
  } as StructureSpec;
}

export function tinySpec(training: Partial<NonNullable<StructureSpec['training']>> = {}, name = 'tiny'): ResolvedSpec {
  return resolveSpec(tinyRawSpec(training, name));
}

export function newRun(spec: ResolvedSpec, sourcePath = '/work/specs/tiny.mlbtc.json') {
  return { spec, sourcePath, sourceText: JSON.stringify(spec), overrides: {} };
}

/** Bundle a TypeScript entry into a standalone script (as scripts/build.mjs does for dist/worker.js). */
export function bundle(entry: string, outDir: string, name: string): string {
  const outfile = path.join(outDir, `${name}.js`);
  buildSync({
    entryPoints: [path.join(repoRoot, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
    external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu'],
  });
  return outfile;
}

/** Kill every worker still alive in the runs directories directly under `work` (whatever a test left), then remove it. */
export function removeWorkAndWorkers(work: string): void {
  for (const name of fs.readdirSync(work)) {
    const root = path.join(work, name);
    if (!fs.statSync(root).isDirectory()) continue;
    for (const run of new RunStore(root).list())
      if (run.status?.pid && isProcessAlive(run.status.pid)) process.kill(run.status.pid, 'SIGKILL');
  }
  fs.rmSync(work, { recursive: true, force: true });
}

/** A pid that is certainly not running (a process that has exited and been reaped). */
export function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid;
  if (pid === undefined) throw new Error('could not spawn a short-lived process');
  return pid;
}

/**
 * Make fs calls fail like a full disk (or any errno) while `fn` runs: every caller goes through the same module
 * object, so patching it reaches the code under test (and H6's run folder writer) without injection.
 */
export function withFailingFs<T>(
  failing: readonly ('writeSync' | 'appendFileSync' | 'mkdirSync' | 'openSync' | 'renameSync')[],
  code: string,
  fn: () => T,
  when: (args: unknown[]) => boolean = () => true,
): T {
  const mutable = require('node:fs') as Record<string, unknown>;
  const saved = new Map(failing.map((name) => [name, mutable[name]]));
  for (const name of failing) {
    const real = saved.get(name) as (...args: unknown[]) => unknown;
    mutable[name] = (...args: unknown[]) => {
      if (when(args)) throw Object.assign(new Error(`${code}: simulated failure, ${name}`), { code });
      return real(...args);
    };
  }
  try {
    return fn();
  } finally {
    for (const [name, real] of saved) mutable[name] = real;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const isRoot = process.getuid?.() === 0;
