/** `mlbtc export ID --csv`: a run's metrics as CSV (format in runs/csv.ts), to stdout or --out FILE. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunFiles } from '../protocol/run';
import { exportCsv } from '../runs/csv';
import { RunManager } from '../runs/manager';
import { Exit, UsageError, type CliCommand } from './command';
import { RUNS_OPTION_HELP, runsDirOf } from './runs';

export const command: CliCommand = {
  usage: 'mlbtc export ID --csv [--out FILE] [--runs DIR]',
  help: `Writes the metrics of run ID (or an unambiguous prefix) as CSV: a header row, then one row per record of
metrics.jsonl in order, train and eval records alike. Columns: kind (train or eval), step, tokens, flops (cumulative
training FLOPs), wallMs, loss and lr (train records), then each evaluation metric (val.loss, val.bpc, ...).
Missing cells are empty; non-finite numbers are written nan, inf, -inf (as pandas reads them).
Unreadable lines of metrics.jsonl are skipped with a warning on stderr.

  --csv         CSV output (the only format)
  --out FILE    write to FILE instead of standard output
${RUNS_OPTION_HELP}

Exit status: 0, 1 unknown ID, 2 bad command line or unwritable output.`,
  options: { csv: { type: 'boolean' }, out: { type: 'string' }, runs: { type: 'string' } },
  async run({ positionals, values }, io) {
    if (positionals.length !== 1) throw new UsageError('give one run ID');
    if (!values.csv) throw new UsageError('give --csv (the export format)');
    const manager = new RunManager({ runsDir: runsDirOf(values, io), queue: 'never' });
    let dir: string;
    try {
      dir = manager.get(positionals[0]!).dir;
    } catch (e) {
      io.stderr(`mlbtc export: ${(e as Error).message}\n`);
      return Exit.invalid;
    }
    const metrics = path.join(dir, RunFiles.metrics);
    if (typeof values.out !== 'string') {
      for (const w of exportCsv(metrics, io.stdout)) io.stderr(`warning: ${w}\n`);
      return Exit.ok;
    }
    const outFile = path.resolve(io.cwd, values.out);
    let fd: number;
    try {
      fd = fs.openSync(outFile, 'w');
    } catch (e) {
      io.stderr(`mlbtc export: cannot write ${outFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return Exit.unreadable;
    }
    try {
      for (const w of exportCsv(metrics, (t) => fs.writeSync(fd, t))) io.stderr(`warning: ${w}\n`);
    } finally {
      fs.closeSync(fd);
    }
    io.stderr(`wrote ${outFile}\n`);
    return Exit.ok;
  },
};
