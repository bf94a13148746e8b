/**
 * The `mlbtc` command line (bundled to dist/cli.js; bin/mlbtc.js runs it).
 *
 * The command table: one line per command. A command is a module in src/cli/ exporting `command: CliCommand`
 * (src/cli/command.ts); it is loaded only when it runs, so analysing a spec never loads the training engine.
 */
import { dispatch, type CommandTable } from './cli/dispatch';

export const commands: CommandTable = {
  analyze: { summary: 'parameters, compute, scoring rank and memory of a spec', load: () => import('./cli/analyze') },
  validate: { summary: 'check specs and print every problem with its position', load: () => import('./cli/validate') },
  train: {
    summary: 'train a spec in the foreground (Ctrl-C stops with a checkpoint; --resume continues)',
    load: () => import('./cli/train'),
  },
  runs: { summary: 'list runs by experiment, with state, step and why they ended', load: () => import('./cli/runs') },
  stop: { summary: 'stop a run (checkpoint, then cancelled) or a whole search', load: () => import('./cli/stop') },
  resume: { summary: 'continue a run from its last checkpoint, or a stopped search', load: () => import('./cli/resume') },
  search: { summary: 'plan (--plan) and run a structure search: grid, random or ASHA; Pareto fronts', load: () => import('./cli/search') },
  compare: {
    summary: 'one structure per attention family at a matched compute budget, written to a folder',
    load: () => import('./cli/compare'),
  },
  study: {
    summary: "the paper's views of searches: final metric vs compute, scaling fits, sweeps (--svg, --csv)",
    load: () => import('./cli/study'),
  },
  devices: { summary: 'the Python, torch, CUDA/MPS devices and tfjs backends training can use here', load: () => import('./cli/devices') },
  export: { summary: "a run's metrics as CSV (--csv) for pandas and spreadsheets", load: () => import('./cli/export') },
};

dispatch(process.argv.slice(2), commands, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`mlbtc: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);
