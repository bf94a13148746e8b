/** The `mlbtc` dispatcher: picks the command from the table, parses its options, runs it, returns the exit code. */
import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import { Exit, UsageError, type CliCommand, type CliIo } from './command';
import { terminalText } from '../core/format';

export interface CommandEntry {
  /** One line for the command list of `mlbtc --help`. */
  summary: string;
  /** Loaded only when the command runs, so `mlbtc validate` never loads the training engine. */
  load: () => Promise<{ command: CliCommand }>;
}

export type CommandTable = Record<string, CommandEntry>;

export function usage(table: CommandTable): string {
  const names = Object.keys(table);
  const width = Math.max(...names.map((n) => n.length));
  return [
    'Usage: mlbtc <command> [options]',
    '',
    'Design, analyse and train structured-attention transformers from *.mlbtc.json specs.',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${table[n]!.summary}`),
    '',
    'Run "mlbtc <command> --help" for the options of a command.',
    '',
  ].join('\n');
}

export async function dispatch(argv: string[], table: CommandTable, terminal: CliIo): Promise<number> {
  // Everything a command prints passes through terminalText: names and reasons from files must not drive the terminal.
  const io: CliIo = {
    ...terminal,
    stdout: (text) => terminal.stdout(terminalText(text)),
    stderr: (text) => terminal.stderr(terminalText(text)),
  };
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(usage(table));
    return Exit.usage;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout(usage(table));
    return Exit.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${version}\n`);
    return Exit.ok;
  }
  if (name === 'help') return dispatch([rest[0]!, '--help'], table, terminal);
  if (!Object.prototype.hasOwnProperty.call(table, name)) {
    io.stderr(`mlbtc: unknown command "${name}"\n\n${usage(table)}`);
    return Exit.usage;
  }
  const { command } = await table[name]!.load();
  const help = () => `Usage: ${command.usage}\n\n${command.help.trimEnd()}\n`;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    io.stderr(`mlbtc ${name}: ${(e as Error).message}\n\nUsage: ${command.usage}\n`);
    return Exit.usage;
  }
  if (parsed.values.help) {
    io.stdout(help());
    return Exit.ok;
  }
  try {
    return await command.run(parsed, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`mlbtc ${name}: ${e.message}\n\nUsage: ${command.usage}\n`);
      return Exit.usage;
    }
    throw e;
  }
}
