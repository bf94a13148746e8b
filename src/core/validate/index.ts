/**
 * Validation of `*.mlbtc.json` specs (pure: no fs, no vscode).
 *
 * - `validate(value)`: problems of a parsed value, with JSON paths; the resolved spec when there is no error.
 * - `validateText(text)`: the same for file text, with syntax errors and every problem placed on its node.
 */
export { validate, type ValidationResult } from './validate';
export { SPEC_TEXT_LIMITS, validateText, withinSpecTextLimits, type TextValidationResult } from './text';
export { problemCodes, type ProblemCode } from './codes';
export { formatPath } from './paths';
export type { Fix, JsonPath, LocatedProblem, Problem, Severity } from './types';
