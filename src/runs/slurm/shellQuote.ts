/**
 * POSIX shell quoting: every value that goes into a job script passes through here, never pasted. A single-quoted
 * word is literal for sh and bash (no $, `, \ or newline handling inside); a single quote itself is closed, escaped
 * and reopened.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error(`a shell word cannot contain a NUL character: ${JSON.stringify(value)}`);
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
