/**
 * Slurm settings: the `mlbtc.slurm.*` settings (or the CLI's defaults) overlaid with a spec's own
 * `execution.slurm` block. One shape for both, checked here, so a bad value is reported with the setting or JSON path
 * that holds it before anything is submitted.
 */
export interface SlurmSettings {
  /** --partition */
  partition?: string;
  /** --account */
  account?: string;
  /** --qos */
  qos?: string;
  /** --time, in any form sbatch takes ("30", "1:00:00", "2-00:00:00"). */
  time?: string;
  /** GPUs per run: --gres=gpu:N (0: none). */
  gpus?: number;
  /** --cpus-per-task */
  cpus?: number;
  /** --mem, e.g. "16G". */
  mem?: string;
  /** More sbatch options, one argv item each ("--constraint=a100", "--exclusive"); passed on sbatch's command line. */
  extraArgs?: string[];
  /** The user's own shell lines run before the worker (module loads, conda activation), placed verbatim. */
  setup?: string[];
  /** Python that runs PyTorch-runtime workers on the node. Default "python3". */
  python?: string;
  /** Node that runs tfjs-runtime workers on the node. Default "node". */
  node?: string;
  /** Seconds before the time limit at which the worker is sent SIGTERM to checkpoint and stop. Default 120. */
  signalSeconds?: number;
}

export const SLURM_SETTING_KEYS = [
  'partition',
  'account',
  'qos',
  'time',
  'gpus',
  'cpus',
  'mem',
  'extraArgs',
  'setup',
  'python',
  'node',
  'signalSeconds',
] as const;

export class SlurmSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlurmSettingsError';
  }
}

/**
 * Values that go into `#SBATCH` lines: sbatch reads those lines with its own parser, not a shell, so no quoting
 * helps there; only plain names pass (a newline would start a new line of the script).
 */
const SBATCH_WORD = /^[A-Za-z0-9_.:+,=@%/-]+$/;

/**
 * Check an untyped settings object (from VS Code settings or a spec file); `where(key)` names a field for messages,
 * e.g. "mlbtc.slurm.partition" or "execution.slurm.partition".
 */
export function checkSlurmSettings(raw: unknown, where: (key: string) => string): SlurmSettings {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new SlurmSettingsError(`${where('')}: should be an object of Slurm settings`);
  const v = raw as Record<string, unknown>;
  const out: SlurmSettings = {};
  for (const key of Object.keys(v)) {
    if (!(SLURM_SETTING_KEYS as readonly string[]).includes(key))
      throw new SlurmSettingsError(`${where(key)}: unknown Slurm setting (known: ${SLURM_SETTING_KEYS.join(', ')})`);
  }
  for (const key of ['partition', 'account', 'qos', 'time', 'mem'] as const) {
    const x = v[key];
    if (x === undefined || x === null || x === '') continue;
    if (typeof x !== 'string' || !SBATCH_WORD.test(x))
      throw new SlurmSettingsError(
        `${where(key)}: ${JSON.stringify(x)} is not a plain Slurm value (letters, digits and _ . : + , = @ % / - only)`,
      );
    out[key] = x;
  }
  for (const key of ['gpus', 'cpus', 'signalSeconds'] as const) {
    const x = v[key];
    if (x === undefined || x === null) continue;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || (key === 'cpus' && x < 1))
      throw new SlurmSettingsError(`${where(key)}: should be a whole number ${key === 'cpus' ? '≥ 1' : '≥ 0'} (got ${JSON.stringify(x)})`);
    out[key] = x;
  }
  for (const key of ['python', 'node'] as const) {
    const x = v[key];
    if (x === undefined || x === null || x === '') continue;
    if (typeof x !== 'string' || /[\n\r\0]/.test(x))
      throw new SlurmSettingsError(`${where(key)}: should be a command name or path on one line (got ${JSON.stringify(x)})`);
    out[key] = x;
  }
  for (const key of ['extraArgs', 'setup'] as const) {
    const x = v[key];
    if (x === undefined || x === null) continue;
    if (!Array.isArray(x) || x.some((item) => typeof item !== 'string'))
      throw new SlurmSettingsError(`${where(key)}: should be a list of strings`);
    if (key === 'extraArgs') {
      x.forEach((item: string, i) => {
        if (!item.startsWith('-'))
          throw new SlurmSettingsError(
            `${where(`${key}[${i}]`)}: ${JSON.stringify(item)} is not an sbatch option ` +
              '(options start with "-", one per item: "--constraint=a100")',
          );
      });
    } else {
      x.forEach((item: string, i) => {
        if (/[\n\r\0]/.test(item))
          throw new SlurmSettingsError(`${where(`${key}[${i}]`)}: one shell line per item (this one holds a line break)`);
      });
    }
    out[key] = [...(x as string[])];
  }
  return out;
}

/** `over`'s fields replace `base`'s (a spec's own settings win over the editor's). */
export function mergeSlurmSettings(base: SlurmSettings, over: SlurmSettings): SlurmSettings {
  return { ...base, ...over };
}
