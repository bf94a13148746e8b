/**
 * What this machine can train on, as `mlbtc devices` and "MLBTC: Show Training Devices" show it: the Python found
 * for the PyTorch worker (and how), what its probe says (torch, CUDA devices with memory, MPS, the compiled fast
 * path), which runtime "auto" would pick, and the tfjs backends. Pure text from a report, so both front ends say
 * the same thing.
 */
import { MIN_TORCH, torchAtLeast, type ProbeResult, type PythonSearch } from './python';

export interface DevicesReport {
  search: PythonSearch;
  /** The probe of the Python found (null when none was found). */
  result: ProbeResult | null;
  /** MLBTC_BACKEND_PACKAGES or mlbtc.backendPackages, where tfjs looks for its optional native backends. */
  backendPackages: string | undefined;
}

export async function devicesReport(
  search: PythonSearch,
  probe: (python: string) => Promise<ProbeResult>,
  backendPackages: string | undefined,
): Promise<DevicesReport> {
  return { search, result: search.found ? await probe(search.found.path) : null, backendPackages };
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** The runtime "auto" picks with this report, and why. */
export function autoRuntime(report: DevicesReport): string {
  const r = report.result;
  if (!report.search.found) return 'tfjs (no Python found)';
  if (!r?.ok) return `tfjs (${r?.failure === 'no-torch' ? 'no PyTorch in that Python' : 'that Python could not be probed'})`;
  if (!torchAtLeast(r.probe.torch)) return `tfjs (torch ${r.probe.torch} is older than ${MIN_TORCH.join('.')})`;
  return `torch ${r.probe.torch}`;
}

export function formatDevices(report: DevicesReport): string {
  const lines: string[] = ['PyTorch runtime'];
  const found = report.search.found;
  if (!found) {
    lines.push('  Python: none found', ...report.search.looked.map((l) => `    looked at ${l}`));
  } else {
    lines.push(`  Python: ${found.path} (from ${found.how})`);
    const r = report.result;
    if (r && !r.ok) {
      if (r.python) lines.push(`  Python version: ${r.python}`);
      lines.push(`  torch: unavailable: ${r.reason}`);
    } else if (r?.ok) {
      const p = r.probe;
      lines.push(`  Python version: ${p.python}`);
      lines.push(
        `  torch: ${p.torch}${torchAtLeast(p.torch) ? '' : ` (too old: the PyTorch worker needs ${MIN_TORCH.join('.')} or newer)`}`,
      );
      if (p.cuda.length) {
        lines.push('  CUDA devices:');
        for (const d of p.cuda) lines.push(`    cuda:${d.index}  ${d.name}  ${gib(d.memory)}`);
      } else {
        lines.push('  CUDA devices: none');
      }
      lines.push(`  MPS (Apple GPU): ${p.mps ? 'available' : 'not available'}`);
      lines.push(`  torch.compile + flex_attention fast path: ${p.fast ? 'available' : 'not available'}`);
    }
  }
  lines.push(
    '',
    'tfjs runtime (built in)',
    '  backends "auto" tries, in order: tensorflow, webgpu, wasm, cpu',
    '  wasm and cpu always start; tensorflow needs the tfjs-node (or tfjs-node-gpu) package and webgpu the webgpu one,',
    `  found in this installation or the folder of optional backends: ${report.backendPackages || 'not set'}`,
    '',
    `training.runtime "auto" picks: ${autoRuntime(report)}`,
  );
  return `${lines.join('\n')}\n`;
}
