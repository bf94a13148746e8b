/** `mlbtc analyze FILE [--json]`: parameters, compute, scoring rank and memory of a spec. */
import { analyze } from '../core/analysis';
import { validateText } from '../core/validate';
import { analysisTable } from './analysisTable';
import { Exit, UsageError, type CliCommand } from './command';
import { problemJson, problemLine } from './problems';
import { readSpecFile } from './readSpec';

export const command: CliCommand = {
  usage: 'mlbtc analyze FILE [--json]',
  help: `Validates FILE and prints its analysis: parameters (total, per layer and by component), forward MACs
(per token, attention scores per head, per sequence), the scoring rank against its maximum, KV-cache bytes per
token and activation bytes per training sequence. Exact integers, as the reference code builds the model.

Options:
  --json      print one JSON object instead: the analysis (params, macs, rank, groups,
              kvCacheBytesPerToken, activationBytesPerSequence) plus "errors" and "warnings" lists
              of {path, message, code, line, column}; printed for invalid and unreadable files too
  -h, --help  show this help

Exit status: 0 valid, 1 invalid (problems are printed, to stderr without --json), 2 unreadable file or
wrong command line.`,
  options: { json: { type: 'boolean' } },
  async run({ positionals, values }, io) {
    if (positionals.length !== 1) throw new UsageError(positionals.length ? 'give exactly one file' : 'give the file to analyse');
    const file = positionals[0]!;
    const json = values.json === true;
    const printJson = (o: object) => io.stdout(`${JSON.stringify(o, null, 2)}\n`);

    const read = readSpecFile(file, io.cwd);
    if (!read.ok) {
      if (json)
        printJson({
          file,
          errors: [{ path: [], message: `cannot read ${file}: ${read.reason}`, code: 'unreadable', line: 0, column: 0 }],
          warnings: [],
        });
      else io.stderr(`mlbtc analyze: cannot read ${file}: ${read.reason}\n`);
      return Exit.unreadable;
    }
    const { problems, spec } = validateText(read.text);
    const errors = problems.filter((p) => p.severity === 'error');
    const warnings = problems.filter((p) => p.severity === 'warning');
    if (!spec) {
      if (json) printJson({ file, errors: errors.map(problemJson), warnings: warnings.map(problemJson) });
      else
        io.stderr(
          `${errors.map((p) => problemLine(file, p)).join('\n')}\n${file}: not analysed: ${errors.length === 1 ? 'fix the error above' : `fix the ${errors.length} errors above`}\n`,
        );
      return Exit.invalid;
    }
    const analysis = analyze(spec);
    if (json) {
      printJson({ file, name: spec.name, ...analysis, errors: [], warnings: warnings.map(problemJson) });
    } else {
      for (const w of warnings) io.stderr(`${problemLine(file, w)}\n`);
      io.stdout(analysisTable(file, spec, analysis));
    }
    return Exit.ok;
  },
};
