/** `mlbtc validate FILE...`: every problem of every file with its position, then a summary line. */
import { validateText } from '../core/validate';
import { Exit, UsageError, type CliCommand } from './command';
import { plural } from '../core/format';
import { problemLine } from './problems';
import { readSpecFile } from './readSpec';

export const command: CliCommand = {
  usage: 'mlbtc validate FILE...',
  help: `Checks each *.mlbtc.json file against the structure language and every cross-field rule (ranks summing
to headDim, block sizes dividing seqLen, …) and prints each problem as

  FILE:LINE:COLUMN: error|warning: MESSAGE [CODE]

followed by a summary line. Warnings do not make a file invalid.

Exit status: 0 when every file is valid, 1 when any file has errors, 2 when any file cannot be read
(missing, a directory, not UTF-8) or the command line is wrong.`,
  async run({ positionals }, io) {
    if (positionals.length === 0) throw new UsageError('give at least one file');
    let invalid = 0;
    let unreadable = 0;
    let errors = 0;
    let warnings = 0;
    for (const file of positionals) {
      const read = readSpecFile(file, io.cwd);
      if (!read.ok) {
        unreadable++;
        io.stdout(`${file}: error: cannot read: ${read.reason} [unreadable]\n`);
        continue;
      }
      const { problems } = validateText(read.text);
      for (const p of problems) io.stdout(`${problemLine(file, p)}\n`);
      const fileErrors = problems.filter((p) => p.severity === 'error').length;
      errors += fileErrors;
      warnings += problems.length - fileErrors;
      if (fileErrors) invalid++;
    }
    const valid = positionals.length - invalid - unreadable;
    const parts = [`${valid} valid`, ...(invalid ? [`${invalid} invalid`] : []), ...(unreadable ? [`${unreadable} unreadable`] : [])];
    io.stdout(`${plural(positionals.length, 'file')}: ${parts.join(', ')} (${plural(errors, 'error')}, ${plural(warnings, 'warning')})\n`);
    return unreadable ? Exit.unreadable : invalid ? Exit.invalid : Exit.ok;
  },
};
