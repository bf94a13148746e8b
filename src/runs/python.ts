/**
 * Finding the Python that runs the PyTorch worker, and asking it what it can do (the probe).
 *
 * Where to look, in order (the first place that names an interpreter wins; an interpreter named explicitly is
 * never skipped for a later one, so a broken choice is reported instead of silently replaced):
 *   1. the machine-scoped setting mlbtc.python (editor only),
 *   2. the MLBTC_PYTHON environment variable,
 *   3. the Python extension's active environment (editor only; src/extension/runs/pythonExtension.ts),
 *   4. python3 on PATH.
 * Finding is synchronous (a launcher needs the interpreter at once); probing runs `python -m mlbtc_torch.probe`
 * once per interpreter and package folder, and is cached.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PYTHON_ENV = 'MLBTC_PYTHON';
export const PYTHON_SETTING = 'mlbtc.python';

/** Lowest torch the PyTorch worker supports. */
export const MIN_TORCH: readonly [number, number] = [2, 1];

export type PythonSource = 'setting' | 'environment' | 'python-extension' | 'path';

export interface PythonInterpreter {
  path: string;
  source: PythonSource;
  /** How it was found, for messages: "mlbtc.python", "MLBTC_PYTHON", "python3 on PATH", … */
  how: string;
}

export interface PythonSources {
  /** The mlbtc.python setting (the editor passes it; the CLI has none). */
  setting?: string;
  env?: NodeJS.ProcessEnv;
  /** The Python extension's active environment, when that extension is installed and has one (editor only). */
  pythonExtension?: () => { path?: string; note: string };
  platform?: NodeJS.Platform;
}

export interface PythonSearch {
  found: PythonInterpreter | null;
  /** Every place looked at, in order, with what it gave: the error message when nothing was found. */
  looked: string[];
}

export function findPython(sources: PythonSources): PythonSearch {
  const env = sources.env ?? process.env;
  const looked: string[] = [];
  const setting = sources.setting?.trim();
  if (setting) return { found: { path: setting, source: 'setting', how: PYTHON_SETTING }, looked: [`${PYTHON_SETTING}: ${setting}`] };
  if (sources.setting !== undefined) looked.push(`${PYTHON_SETTING}: not set`);
  const fromEnv = env[PYTHON_ENV]?.trim();
  if (fromEnv)
    return { found: { path: fromEnv, source: 'environment', how: PYTHON_ENV }, looked: [...looked, `${PYTHON_ENV}: ${fromEnv}`] };
  looked.push(`${PYTHON_ENV}: not set`);
  if (sources.pythonExtension) {
    const active = sources.pythonExtension();
    if (active.path) {
      return {
        found: { path: active.path, source: 'python-extension', how: "the Python extension's active environment" },
        looked: [...looked, active.note],
      };
    }
    looked.push(active.note);
  }
  const platform = sources.platform ?? process.platform;
  const names = platform === 'win32' ? ['python3.exe', 'python.exe'] : ['python3'];
  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate))
        return { found: { path: candidate, source: 'path', how: `${names[0]} on PATH` }, looked: [...looked, `PATH: ${candidate}`] };
    }
  }
  looked.push(`PATH: no ${names.join(' or ')} in ${dirs.length ? dirs.join(path.delimiter) : '(PATH is empty)'}`);
  return { found: null, looked };
}

function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// ─── The probe ──────────────────────────────────────────────────────────────────────────────────────────────────

export interface CudaDevice {
  index: number;
  name: string;
  /** Total memory in bytes. */
  memory: number;
}

/** What `python -m mlbtc_torch.probe` reports about an interpreter with torch. */
export interface TorchProbe {
  /** Python version, e.g. "3.12.3". */
  python: string;
  torch: string;
  cuda: CudaDevice[];
  mps: boolean;
  /** torch.compile with flex_attention is available (the fast path). */
  fast: boolean;
}

export type ProbeFailure = 'no-python' | 'no-torch' | 'failed';
export type ProbeResult = { ok: true; probe: TorchProbe } | { ok: false; failure: ProbeFailure; python: string | null; reason: string };

/** The probe's one JSON line (the last line of stdout, so a warning printed before it does no harm). */
export function parseProbe(stdout: string): ProbeResult {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  let v: Record<string, unknown>;
  try {
    const parsed = JSON.parse(line) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    v = parsed as Record<string, unknown>;
  } catch (e) {
    return {
      ok: false,
      failure: 'failed',
      python: null,
      reason: `its output is not the probe's JSON line (${(e as Error).message}): ${line.slice(0, 200) || '(nothing)'}`,
    };
  }
  const python = typeof v.python === 'string' ? v.python : null;
  if (v.torch === null || v.torch === undefined) {
    return {
      ok: false,
      failure: 'no-torch',
      python,
      reason: typeof v.error === 'string' && v.error ? v.error : 'torch cannot be imported',
    };
  }
  if (typeof v.torch !== 'string' || !Array.isArray(v.cuda))
    return { ok: false, failure: 'failed', python, reason: `the probe's JSON lacks "torch" or "cuda": ${line.slice(0, 200)}` };
  const cuda = v.cuda.filter(isCudaDevice);
  return { ok: true, probe: { python: python ?? '?', torch: v.torch, cuda, mps: v.mps === true, fast: v.fast === true } };
}

function isCudaDevice(d: unknown): d is CudaDevice {
  const o = d as Record<string, unknown> | null;
  return typeof o === 'object' && o !== null && typeof o.index === 'number' && typeof o.name === 'string' && typeof o.memory === 'number';
}

/** "2.13.0+cu121" is at least 2.1; an unparsable version is not. */
export function torchAtLeast(version: string, min: readonly [number, number] = MIN_TORCH): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

/** Runs one interpreter's probe: stdout, or why it could not run. Tests substitute it. */
export type ProbeRunner = (python: string, packageDir: string, signal: AbortSignal | undefined) => Promise<ProbeResult>;

const PROBE_TIMEOUT_MS = 60_000; // importing torch with CUDA cold can take tens of seconds

/** `python -m mlbtc_torch.probe` with the package folder on PYTHONPATH; argv only, never a shell. */
export const runProbe: ProbeRunner = (python, packageDir, signal) =>
  new Promise((resolve) => {
    execFile(
      python,
      ['-m', 'mlbtc_torch.probe'],
      { env: withPythonPath(process.env, packageDir), timeout: PROBE_TIMEOUT_MS, signal, windowsHide: true, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          return resolve({ ok: false, failure: 'no-python', python: null, reason: 'no such file' });
        }
        if (error && stderr.includes("No module named 'mlbtc_torch'")) {
          return resolve({
            ok: false,
            failure: 'failed',
            python: null,
            reason: `the mlbtc_torch package is missing from ${packageDir} (the PyTorch worker ships there)`,
          });
        }
        if (error && !stdout.trim()) {
          const why =
            error.name === 'AbortError'
              ? 'cancelled'
              : error.killed
                ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s`
                : lastLine(stderr) || error.message;
          return resolve({ ok: false, failure: 'failed', python: null, reason: `\`-m mlbtc_torch.probe\` failed: ${why}` });
        }
        resolve(parseProbe(stdout));
      },
    );
  });

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}

/** The environment with `packageDir` first on PYTHONPATH, where `mlbtc_torch` lives. */
export function withPythonPath(env: NodeJS.ProcessEnv, packageDir: string): NodeJS.ProcessEnv {
  return { ...env, PYTHONPATH: env.PYTHONPATH ? `${packageDir}${path.delimiter}${env.PYTHONPATH}` : packageDir };
}

/**
 * Probe results per interpreter and package folder: torch is imported once per session, not on every run. A
 * cancelled probe is not kept; `forget` drops everything (after a setting changes, or for a fresh look).
 */
export class ProbeCache {
  private readonly results = new Map<string, Promise<ProbeResult>>();

  constructor(private readonly run: ProbeRunner = runProbe) {}

  probe(python: string, packageDir: string, signal?: AbortSignal): Promise<ProbeResult> {
    const key = `${python}\0${packageDir}`;
    let result = this.results.get(key);
    if (!result) {
      result = this.run(python, packageDir, signal);
      this.results.set(key, result);
      void result.then((r) => {
        if (signal?.aborted && !r.ok && this.results.get(key) === result) this.results.delete(key);
      });
    }
    return result;
  }

  forget(): void {
    this.results.clear();
  }
}
