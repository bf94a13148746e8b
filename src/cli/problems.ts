/** How the CLI prints located problems: `file:line:col: severity: message [code]`, 1-based like compilers. */
import type { LocatedProblem } from '../core/validate';

export function problemLine(file: string, p: LocatedProblem): string {
  return `${file}:${p.line + 1}:${p.column + 1}: ${p.severity}: ${p.message} [${p.code}]`;
}

/** The JSON form of a problem in --json output (1-based line and column). */
export function problemJson(p: LocatedProblem): { path: (string | number)[]; message: string; code: string; line: number; column: number } {
  return { path: p.path, message: p.message, code: p.code, line: p.line + 1, column: p.column + 1 };
}
