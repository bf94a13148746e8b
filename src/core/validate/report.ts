import type { ProblemCode } from './codes';
import type { Fix, JsonPath, Problem, Severity } from './types';

/** More problems than this are summarised: a file that broken needs its first errors fixed, not a flood. */
export const MaxProblems = 200;

/** Collects problems for one validation, with a cap. */
export class Reporter {
  readonly problems: Problem[] = [];
  private dropped = 0;

  error(code: ProblemCode, path: JsonPath, message: string, fixes?: Fix[]): void {
    this.add('error', code, path, message, fixes);
  }

  warning(code: ProblemCode, path: JsonPath, message: string, fixes?: Fix[]): void {
    this.add('warning', code, path, message, fixes);
  }

  get hasErrors(): boolean {
    return this.dropped > 0 || this.problems.some((p) => p.severity === 'error');
  }

  /** The problems, closed with a summary line when some were dropped. */
  finish(): Problem[] {
    if (this.dropped > 0) {
      this.problems.push({
        code: 'too-many-problems',
        severity: 'error',
        path: [],
        message: `${this.dropped} more problems are not listed; fix the ones above first.`,
      });
      this.dropped = 0;
    }
    return this.problems;
  }

  private add(severity: Severity, code: ProblemCode, path: JsonPath, message: string, fixes?: Fix[]): void {
    if (this.problems.length >= MaxProblems) {
      this.dropped++;
      return;
    }
    this.problems.push(fixes && fixes.length ? { code, severity, message, path, fixes } : { code, severity, message, path });
  }
}
