/** A JSON path: object keys and array indices from the document root, e.g. ["attention", "ranks", 2]. */
export type JsonPath = (string | number)[];

export type Severity = 'error' | 'warning';

/**
 * An obvious fix: replace the value at `path` (or insert it when absent) with `value`.
 * Renaming or removing a property is expressed the same way, on the object that holds it: `path` is that object
 * and `value` is the object with the key renamed in place (or left out), so one edit format covers every fix.
 */
export interface Fix {
  title: string;
  path: JsonPath;
  value: unknown;
}

export interface Problem {
  /** Stable identifier, e.g. "ranks-sum", "block-divides-seqlen", "schema". Quick fixes and tests key on it. */
  code: string;
  severity: Severity;
  /** What is wrong and what would be right, in one or two sentences. */
  message: string;
  /** The offending value. */
  path: JsonPath;
  fixes?: Fix[];
}

/** A problem placed in a document: zero-based line/column and offsets of the offending value. */
export interface LocatedProblem extends Problem {
  offset: number;
  length: number;
  line: number;
  column: number;
}
