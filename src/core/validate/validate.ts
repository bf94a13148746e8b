/**
 * Validation of a spec value: the schema layer, then the semantic rules on whatever part of the value is valid,
 * then resolution when there is no error. Never throws: a bug in a rule becomes an "internal" problem.
 */
import { resolveSpec, type ResolvedSpec } from '../spec/resolve';
import { StructureSpec } from '../spec/schema';
import { Reporter } from './report';
import { checkValue, Invalid } from './schemaLayer';
import { checkSemantics } from './semantic';
import type { SpecView } from './semantic/view';
import type { Problem } from './types';

export interface ValidationResult {
  problems: Problem[];
  /** Present only when there are no errors (warnings allowed). */
  spec?: ResolvedSpec;
}

export function validate(value: unknown): ValidationResult {
  const r = new Reporter();
  let spec: ResolvedSpec | undefined;
  try {
    const view = checkValue(StructureSpec, value, [], r);
    if (view !== Invalid) checkSemantics(view as SpecView, { r, raw: value });
    if (!r.hasErrors) spec = resolveSpec(value as StructureSpec);
  } catch (e) {
    spec = undefined;
    r.error(
      'internal',
      [],
      `the validator failed on this input (${e instanceof Error ? e.message : String(e)}); please report it with the file`,
    );
  }
  const problems = r.finish();
  return spec ? { problems, spec } : { problems };
}
