/**
 * What a subcommand module provides. A module in src/cli/ exports `command: CliCommand`; src/cli.ts lists it in
 * its command table with one line. The dispatcher parses the options the command declares (with --help added),
 * so every command rejects unknown options and answers --help the same way.
 */
import type { ParseArgsConfig } from 'node:util';

/** Where a command writes and what it resolves paths against; tests substitute it. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

export interface CliCommand {
  /** Synopsis after "Usage: ", e.g. "mlbtc analyze FILE [--json]". */
  usage: string;
  /** What the command does, its options and exit codes (printed by --help under the usage line). */
  help: string;
  /** Options for node:util parseArgs (--help is added by the dispatcher). */
  options?: NonNullable<ParseArgsConfig['options']>;
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

/** Exit codes shared by the commands. */
export const Exit = {
  ok: 0,
  /** The input was read but is invalid (e.g. a spec with errors). */
  invalid: 1,
  /** Bad command line, or an input that could not be read. */
  usage: 2,
  unreadable: 2,
} as const;

/** Thrown by a command for a bad command line: the dispatcher prints the message and the usage, exits 2. */
export class UsageError extends Error {}
