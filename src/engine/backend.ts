/**
 * Choosing the tfjs backend a run trains on, once, at run start (the run records it in status.json).
 *
 * "auto" tries, in order, and takes the first that starts:
 *   1. tensorflow: @tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node (native libtensorflow; optional packages,
 *      never bundled: required at run time only if installed);
 *   2. webgpu: tfjs-backend-webgpu on Dawn (the `webgpu` package) when Dawn finds a hardware adapter (Vulkan, Metal,
 *      D3D12; on a GPU-less Linux box, its OpenGL backend on Mesa);
 *   3. wasm: tfjs-backend-wasm (SIMD, one thread under Node), with the matMul and slice fixes of wasmKernels.ts;
 *   4. cpu: plain JavaScript, always available.
 * Choice: "auto" skips a *software* WebGPU adapter (Mesa llvmpipe/lavapipe, SwiftShader): it emulates a GPU on the
 * same CPU cores, and measured slower than wasm on every model here (bench/README.md); forcing "webgpu" still
 * uses it.
 * A forced backend (training.backend or --backend) that cannot start is an error that says why: a run never
 * silently trains on something else than it asked for.
 */
// Training needs every kernel's gradient registered, whichever model runs.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { ResolvedTraining } from '../core/spec/resolve';
import { TFJS_BACKENDS } from '../core/spec/schema';
// Types only: the GPU* declarations of Dawn's package (the module itself is imported by path at run time).
import type {} from 'webgpu';
import { resolveOptionalPackage, searchedPlaces } from './optionalPackages';
import { installWasmKernels } from './wasmKernels';

export type BackendChoice = ResolvedTraining['backend'];
export type BackendName = Exclude<BackendChoice, 'auto'>;

/** The order "auto" tries. */
export const AUTO_ORDER: readonly BackendName[] = TFJS_BACKENDS.filter((b): b is BackendName => b !== 'auto');

export interface StartedBackend {
  name: BackendName;
  /** What exactly runs, for logs and status.json, e.g. "wasm (SIMD, 1 thread)". */
  description: string;
}

export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    readonly reason: string,
  ) {
    super(
      `training.backend "${backend}" cannot start: ${reason}. Use "auto" to train on the best backend that starts here ` +
        `(${AUTO_ORDER.join(', ')}), or force another one with --backend.`,
    );
    this.name = 'BackendUnavailableError';
  }
}

/** Why one candidate did not start (thrown by the starters below, turned into log lines or the error above). */
class NotAvailable extends Error {}

interface StartOptions {
  /** Accept a software (CPU-emulated) WebGPU adapter. */
  allowSoftwareGpu: boolean;
}

const starters: Record<BackendName, (o: StartOptions) => Promise<string>> = {
  tensorflow: startTensorflow,
  webgpu: startWebgpu,
  wasm: startWasm,
  cpu: startCpu,
};

/**
 * Start `choice` and make it tfjs's backend. `log` receives one line per candidate that "auto" skipped, with the
 * reason. Throws BackendUnavailableError when a forced backend cannot start.
 */
export async function startBackend(choice: BackendChoice, log: (line: string) => void = () => {}): Promise<StartedBackend> {
  if (choice !== 'auto') {
    try {
      return { name: choice, description: await quietly(() => starters[choice]({ allowSoftwareGpu: true })) };
    } catch (e) {
      throw new BackendUnavailableError(choice, reasonOf(e));
    }
  }
  for (const name of AUTO_ORDER) {
    try {
      return { name, description: await quietly(() => starters[name]({ allowSoftwareGpu: false })) };
    } catch (e) {
      log(`backend ${name} skipped: ${reasonOf(e)}`);
    }
  }
  throw new Error('no tfjs backend could start, not even cpu'); // unreachable: cpu always starts
}

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

/**
 * tfjs reports a failed backend initialisation with console.warn (and wasm's emscripten glue prints its whole source
 * on a failed load); keep that out of the user's terminal: the failure reaches them as one reasoned line.
 */
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const { warn, error } = console;
  console.warn = () => {};
  console.error = () => {};
  try {
    return await f();
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

async function activate(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new NotAvailable(`tfjs could not initialise the ${name} backend`);
  await tf.ready();
}

// ─── tensorflow (tfjs-node) ─────────────────────────────────────────────────────────────────────────────────────

async function startTensorflow(): Promise<string> {
  const reasons: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    const entry = resolveOptionalPackage(pkg);
    if (!entry) {
      reasons.push(`${pkg} is not installed`);
      continue;
    }
    try {
      // Not bundled (an esbuild external; see optionalPackages.ts). It registers the "tensorflow" backend in tfjs's
      // global registry, which every copy of tfjs-core in the process shares.
      require(entry);
      await activate('tensorflow');
      return `tensorflow (${pkg})`;
    } catch (e) {
      reasons.push(`${pkg} failed to load (${reasonOf(e)})`);
    }
  }
  throw new NotAvailable(
    `${reasons.join('; ')} in ${searchedPlaces()} (it downloads libtensorflow when installed: npm install @tensorflow/tfjs-node)`,
  );
}

// ─── webgpu (Dawn) ──────────────────────────────────────────────────────────────────────────────────────────────

/** Limits tfjs-backend-webgpu asks for when it creates its own device; we create the device, so we ask the same. */
const WEBGPU_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
] as const;

const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader/i;

interface DawnModule {
  create(flags: string[]): GPU;
  globals: object;
}

/**
 * On Linux a hardware adapter needs a device node (/dev/dri/renderD*, or /dev/nvidia* for NVIDIA's driver). Without
 * one Dawn can only find a software rasteriser, which "auto" skips anyway: skip before loading Dawn, which spends
 * ~0.5 s and prints native warnings (a missing libvulkan) that would land in the user's terminal.
 */
function linuxHasGpuDevice(): boolean {
  const list = (dir: string): string[] => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  };
  return list('/dev/dri').some((f) => f.startsWith('renderD')) || list('/dev').some((f) => /^nvidia\d+$/.test(f));
}

async function startWebgpu(o: StartOptions): Promise<string> {
  if (!o.allowSoftwareGpu && process.platform === 'linux' && !linuxHasGpuDevice()) {
    throw new NotAvailable(
      'no GPU device (/dev/dri/renderD*, /dev/nvidia*); only a software WebGPU adapter could run, slower than wasm here',
    );
  }
  // Dawn's OpenGL backend opens EGL without a display only on the surfaceless platform; set before Dawn loads.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const entry = resolveOptionalPackage('webgpu');
  if (!entry) throw new NotAvailable(`the webgpu package (Dawn) is not installed in ${searchedPlaces()}`);
  let dawn: DawnModule;
  try {
    // An ES module: imported by file URL, which also reaches a package outside this installation.
    dawn = (await import(pathToFileURL(entry).href)) as unknown as DawnModule;
  } catch (e) {
    throw new NotAvailable(`the webgpu package (Dawn) did not load: ${reasonOf(e)}`);
  }
  Object.assign(globalThis, dawn.globals);
  // Native first (Vulkan on Linux GPUs, Metal, D3D12); then Dawn's OpenGL backend, which only offers a
  // "compatibility" adapter (e.g. Mesa's llvmpipe on a machine without a GPU).
  const attempts: { flags: string[]; options: GPURequestAdapterOptions; api: string }[] = [
    { flags: [], options: { powerPreference: 'high-performance' }, api: 'native' },
    { flags: ['backend=opengl'], options: { featureLevel: 'compatibility' } as GPURequestAdapterOptions, api: 'OpenGL' },
  ];
  for (const a of attempts) {
    const gpu = dawn.create(a.flags);
    const adapter = await gpu.requestAdapter(a.options).catch(() => null);
    if (!adapter) continue;
    const info = adapter.info;
    const name = [info.vendor, info.device, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
    const software = info.isFallbackAdapter || SOFTWARE_ADAPTER.test(name);
    if (software && !o.allowSoftwareGpu)
      throw new NotAvailable(`the only WebGPU adapter is a software rasteriser (${name}), slower than wasm here`);
    const requiredLimits: Record<string, number> = {};
    for (const k of WEBGPU_LIMITS) requiredLimits[k] = adapter.limits[k];
    const device = await adapter.requestDevice({ requiredLimits });
    // tfjs-backend-webgpu checks navigator.gpu when it constructs the backend; Node 20 has no navigator.
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new WebGPUBackend(device, info));
    await activate('webgpu');
    return `webgpu (${name}, ${a.api}${software ? ', software' : ''})`;
  }
  throw new NotAvailable('Dawn found no WebGPU adapter (no Vulkan/Metal/D3D12 device, and no OpenGL ES 3.1 context)');
}

// ─── wasm ───────────────────────────────────────────────────────────────────────────────────────────────────────

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/**
 * Where the .wasm binaries are: next to the bundle (scripts/build.mjs copies them into dist/, beside dist/worker.js
 * and dist/cli.js), else in the installed package (running from source under tsx).
 */
export function wasmBinaryDir(): string {
  const candidates = [__dirname];
  try {
    candidates.push(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    // not installed as a package (a packaged extension): only the bundle's folder
  }
  const found = candidates.find((dir) => WASM_FILES.every((f) => fs.existsSync(path.join(dir, f))));
  if (!found)
    throw new NotAvailable(
      `the tfjs wasm binaries (${WASM_FILES[1]}…) are in none of ${candidates.join(', ')}; rebuild with node scripts/build.mjs`,
    );
  return found;
}

let wasmPathsSet = false;

async function startWasm(): Promise<string> {
  if (!wasmPathsSet) {
    setWasmPaths(`${wasmBinaryDir()}${path.sep}`);
    wasmPathsSet = true;
  }
  await activate('wasm');
  installWasmKernels();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `wasm (${simd ? 'SIMD' : 'no SIMD'}, 1 thread)`;
}

// ─── cpu ────────────────────────────────────────────────────────────────────────────────────────────────────────

async function startCpu(): Promise<string> {
  await activate('cpu');
  return 'cpu (JavaScript)';
}
