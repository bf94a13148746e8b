/** The runtime of a run started by `mlbtc train` or `mlbtc search` (src/runs/runtime.ts), with the CLI's Python search. */
import type { ResolvedSpec } from '../core/spec/resolve';
import { findPython, ProbeCache, PYTHON_ENV } from '../runs/python';
import { chooseRuntime, RuntimeError, type ChosenRuntime } from '../runs/runtime';
import type { CliIo } from './command';
import { torchPackageDir } from './runs';

/** Pick the runtime (runtime.ts) with the CLI's Python search; a runtime that cannot start is reported, and null. */
export async function chooseCliRuntime(
  spec: ResolvedSpec,
  runtimeFrom: string,
  deviceFrom: string,
  io: CliIo,
  command = 'train',
): Promise<ChosenRuntime | null> {
  const probes = new ProbeCache();
  try {
    const chosen = await chooseRuntime(
      { runtime: spec.training.runtime, device: spec.training.device, runtimeFrom, deviceFrom },
      { findPython: () => findPython({}), probe: (python, signal) => probes.probe(python, torchPackageDir(), signal) },
    );
    io.stdout(`runtime: ${chosen.why}\n`);
    return chosen;
  } catch (e) {
    if (!(e instanceof RuntimeError)) throw e;
    io.stderr(
      `mlbtc ${command}: ${e.message}\nmlbtc ${command}: nothing was trained. Set ${PYTHON_ENV} to a Python with torch (\`mlbtc devices\` shows what is found), or use the tfjs runtime.\n`,
    );
    return null;
  }
}
