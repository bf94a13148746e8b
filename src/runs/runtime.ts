/**
 * Choosing what trains a run: the PyTorch worker or the built-in tfjs one (training.runtime, `--runtime`, the
 * mlbtc.runtime setting).
 *
 * "auto" is torch when a Python with torch ≥ 2.1 is found (python.ts), else tfjs, and says why. A forced runtime or
 * device that cannot start is an error that says why (no Python, and where it looked; no torch; torch too old; no
 * such device): never a silent fallback. The choice is made once, when the run is created, and recorded in its
 * spec.json (spec.training.runtime and overrides.runtime), so the manager that launches it, a resume and a retry all
 * use the same worker.
 */
import * as path from 'node:path';
import type { ResolvedSpec } from '../core/spec/resolve';
import { RunFiles, type RunOverrides } from '../protocol/run';
import { readRunSpec, writeFileAtomic } from '../runfolder/runFolder';
import { MIN_TORCH, torchAtLeast, type ProbeResult, type PythonInterpreter, type PythonSearch, type TorchProbe } from './python';

export type RuntimeChoice = ResolvedSpec['training']['runtime'];
export type RuntimeName = Exclude<RuntimeChoice, 'auto'>;
export const RUNTIME_CHOICES: readonly RuntimeChoice[] = ['auto', 'torch', 'tfjs'];

/** The runtime a run folder's spec names. "auto" or none (a folder from before runtimes could be chosen) is tfjs. */
export function runtimeOfSpec(spec: ResolvedSpec): RuntimeName {
  return spec.training.runtime === 'torch' ? 'torch' : 'tfjs';
}

export interface RuntimeRequest {
  runtime: RuntimeChoice;
  device: ResolvedSpec['training']['device'];
  /** Who asked, for messages: "training.runtime", "--runtime", "mlbtc.runtime". */
  runtimeFrom: string;
  deviceFrom: string;
}

export interface RuntimeDeps {
  findPython: () => PythonSearch;
  probe: (python: string, signal?: AbortSignal) => Promise<ProbeResult>;
}

export type ChosenRuntime =
  { runtime: 'tfjs'; why: string } | { runtime: 'torch'; why: string; python: PythonInterpreter; probe: TorchProbe };

/** A forced runtime or device that cannot start; the message says why. */
export class RuntimeError extends Error {}

const minTorch = `${MIN_TORCH[0]}.${MIN_TORCH[1]}`;

export async function chooseRuntime(request: RuntimeRequest, deps: RuntimeDeps, signal?: AbortSignal): Promise<ChosenRuntime> {
  if (request.runtime === 'tfjs') return { runtime: 'tfjs', why: `${request.runtimeFrom} is "tfjs"` };
  const forced = request.runtime === 'torch';
  const unavailable = (reason: string): ChosenRuntime => {
    if (forced) throw new RuntimeError(`${request.runtimeFrom} is "torch", but ${reason}.`);
    return { runtime: 'tfjs', why: `auto: tfjs, because ${reason}` };
  };
  const search = deps.findPython();
  if (!search.found) return unavailable(`no Python was found (looked at ${search.looked.join('; ')})`);
  const python = search.found;
  const where = `${python.path} (${python.how})`;
  const result = await deps.probe(python.path, signal);
  if (signal?.aborted) throw new RuntimeError('cancelled while asking Python for its devices');
  if (!result.ok) {
    const reason =
      result.failure === 'no-python'
        ? `the Python ${where} does not exist or cannot run`
        : result.failure === 'no-torch'
          ? `the Python ${where} has no PyTorch (${result.reason})`
          : `the Python ${where} could not be probed: ${result.reason}`;
    return unavailable(reason);
  }
  const probe = result.probe;
  if (!torchAtLeast(probe.torch))
    return unavailable(`the Python ${where} has torch ${probe.torch}, older than the ${minTorch} the PyTorch worker needs`);
  checkDevice(request, probe, where);
  return {
    runtime: 'torch',
    python,
    probe,
    why: `${forced ? `${request.runtimeFrom} is "torch"` : 'auto'}: torch ${probe.torch} in ${where}`,
  };
}

/** A forced device the probe does not have is an error, whichever way the runtime was chosen. */
function checkDevice(request: RuntimeRequest, probe: TorchProbe, where: string): void {
  const device = request.device;
  const have = probe.cuda.length
    ? `its CUDA devices are ${probe.cuda.map((d) => `cuda:${d.index} ${d.name}`).join(', ')}`
    : 'it has no CUDA device';
  if (device === 'cuda' && !probe.cuda.length) {
    throw new RuntimeError(
      `${request.deviceFrom} is "cuda", but torch ${probe.torch} in ${where} sees no CUDA device (CPU-only build, no driver, or CUDA_VISIBLE_DEVICES hides them).`,
    );
  }
  const index = /^cuda:(\d+)$/.exec(device);
  if (index && !probe.cuda.some((d) => d.index === Number(index[1]))) {
    throw new RuntimeError(`${request.deviceFrom} is "${device}", but torch ${probe.torch} in ${where} has no such device: ${have}.`);
  }
  if (device === 'mps' && !probe.mps) {
    throw new RuntimeError(`${request.deviceFrom} is "mps", but torch ${probe.torch} in ${where} has no MPS (Apple GPU) device.`);
  }
}

/** The spec with the chosen runtime recorded, and the overrides that say so in spec.json. */
export function recordRuntime(
  spec: ResolvedSpec,
  overrides: RunOverrides,
  runtime: RuntimeName,
): { spec: ResolvedSpec; overrides: RunOverrides } {
  return { spec: { ...spec, training: { ...spec.training, runtime } }, overrides: { ...overrides, runtime } };
}

/**
 * A resume that names another runtime than the run's: spec.json records the new one, so the launcher and later
 * resumes use it too. Call holding the run (its worker is not running).
 */
export function rewriteRuntime(runDir: string, runtime: RuntimeName): void {
  const file = readRunSpec(runDir);
  const { spec, overrides } = recordRuntime(file.spec, file.overrides, runtime);
  writeFileAtomic(path.join(runDir, RunFiles.spec), `${JSON.stringify({ ...file, spec, overrides }, null, 2)}\n`);
}
