/** `mlbtc devices [--json]`: what this machine can train on (src/runs/devices.ts), with the CLI's Python search. */
import { BACKEND_PACKAGES_ENV } from '../protocol/worker';
import { devicesReport, formatDevices } from '../runs/devices';
import { findPython, ProbeCache, PYTHON_ENV } from '../runs/python';
import { Exit, UsageError, type CliCommand } from './command';
import { torchPackageDir } from './runs';

export const command: CliCommand = {
  usage: 'mlbtc devices [--json]',
  help: `Shows what this machine can train on: the Python found for the PyTorch runtime ($${PYTHON_ENV}, else python3 on
PATH) and what it reports (torch version, CUDA devices with their memory, MPS, the torch.compile fast path), the tfjs
backends, and which runtime training.runtime "auto" picks.

  --json        the report as one JSON object

Exit status: 0 (also when no Python or no torch is found: the report says so), 2 for a bad command line.`,
  options: { json: { type: 'boolean' } },
  async run({ positionals, values }, io) {
    if (positionals.length) throw new UsageError(`devices takes no arguments (got ${positionals.join(' ')})`);
    const probes = new ProbeCache();
    const report = await devicesReport(
      findPython({}),
      (python) => probes.probe(python, torchPackageDir()),
      process.env[BACKEND_PACKAGES_ENV],
    );
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatDevices(report));
    return Exit.ok;
  },
};
