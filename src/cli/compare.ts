/**
 * `mlbtc compare FILE --budget N [--unit macs|flops] [--tolerance T] [--out DIR]`: the matched-compute set of
 * structures, one per attention family that fits FILE's task, written as spec files into a folder
 * (src/core/compare/matchedCompute.ts says how each family is sized).
 */
import * as path from 'node:path';
import { parse } from 'jsonc-parser';
import { validateText } from '../core/validate';
import { BUDGET_UNITS, compareFamilies, CompareError, DEFAULT_TOLERANCE, type BudgetUnit } from '../core/compare/matchedCompute';
import { writeCompareFolder } from '../runs/compareFolder';
import { Exit, UsageError, type CliCommand } from './command';
import { problemLine } from './problems';
import { readSpecFile } from './readSpec';

const fmt = (n: number) => n.toLocaleString('en-US', { maximumSignificantDigits: 4 });

export const command: CliCommand = {
  usage: 'mlbtc compare FILE --budget N [--unit macs|flops] [--tolerance T] [--out DIR]',
  help: `Writes one structure per attention family that fits FILE's task, each sized to the same compute budget:
dense (at the matching head rank), bilinear-btt and bilinear-mlr for in-context regression; dense, mlr,
sliding-window and global-local for the language model and forecasting. The head size (model.width / heads) is the
knob; task, heads, layers, seqLen and training are FILE's.

  --budget N      the compute budget (e.g. 2e5, 3.5e12)
  --unit U        macs: ${BUDGET_UNITS.macs} (default);
                  flops: ${BUDGET_UNITS.flops} (steps × batch × 6 × forward MACs)
  --tolerance T   largest relative distance from the budget a family may keep (default ${DEFAULT_TOLERANCE});
                  a family farther away is skipped with the reason
  --out DIR       output folder (default: <FILE's name>-compare beside FILE)

Exit status: 0 written, 1 invalid FILE or no family within the tolerance, 2 bad command line or unreadable file.`,
  options: { budget: { type: 'string' }, unit: { type: 'string' }, tolerance: { type: 'string' }, out: { type: 'string' } },
  async run({ positionals, values }, io) {
    if (positionals.length !== 1) throw new UsageError('give one FILE');
    const budget = Number(values.budget);
    if (values.budget === undefined || !(budget > 0))
      throw new UsageError(`--budget must be a positive number (got "${String(values.budget ?? '')}")`);
    const unit = (values.unit ?? 'macs') as BudgetUnit;
    if (!(unit in BUDGET_UNITS)) throw new UsageError(`--unit must be macs or flops (got "${String(unit)}")`);
    const tolerance = values.tolerance === undefined ? DEFAULT_TOLERANCE : Number(values.tolerance);
    if (!(tolerance > 0)) throw new UsageError(`--tolerance must be a positive number (got "${String(values.tolerance)}")`);
    const file = positionals[0]!;
    const read = readSpecFile(file, io.cwd);
    if (!read.ok) {
      io.stderr(`${file}: error: cannot read: ${read.reason}\n`);
      return Exit.unreadable;
    }
    const { problems, spec } = validateText(read.text);
    if (!spec) {
      for (const p of problems) io.stderr(`${problemLine(file, p)}\n`);
      io.stderr(`mlbtc compare: ${file} is not a valid structure; nothing was written.\n`);
      return Exit.invalid;
    }
    let result;
    try {
      result = compareFamilies({ base: parse(read.text) as Record<string, unknown>, budget, unit, tolerance });
    } catch (e) {
      if (!(e instanceof CompareError)) throw e;
      io.stderr(`mlbtc compare: ${file}: ${e.message}\n`);
      return Exit.invalid;
    }
    const specPath = path.resolve(io.cwd, file);
    const outDir =
      values.out !== undefined ? path.resolve(io.cwd, String(values.out)) : path.join(path.dirname(specPath), `${spec.name}-compare`);
    const written = writeCompareFolder(result, path.dirname(specPath), outDir);
    io.stdout(`Budget ${fmt(budget)} ${BUDGET_UNITS[unit]}, tolerance ±${(100 * tolerance).toFixed(1)}%\n`);
    result.members.forEach((m, i) => {
      io.stdout(
        `  ${m.family.padEnd(15)} head size ${String(m.headSize).padStart(4)}  ${fmt(m.measured).padStart(12)}  ${(m.relativeError >= 0 ? '+' : '') + (100 * m.relativeError).toFixed(1)}%  ${path.relative(io.cwd, written[i]!)}\n`,
      );
    });
    for (const s of result.skipped) io.stdout(`  ${s.family.padEnd(15)} skipped: ${s.reason}\n`);
    if (result.members.length === 0) {
      io.stderr('mlbtc compare: no family came within the tolerance; nothing was written.\n');
      return Exit.invalid;
    }
    return Exit.ok;
  },
};
