/**
 * Validation of file text: strict JSON parsing with readable syntax errors, duplicate keys, then the value rules,
 * each problem placed on its node.
 *
 * Choices: the format is strict JSON (no comments, no trailing commas), as the editor's language registration
 * declares, so any JSON reader can load a spec. When the text has syntax errors only those are reported: the
 * recovered tree would yield misleading "missing property" errors for everything after the break.
 */
import { getLocation, getNodePath, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { formatPath } from './paths';
import { MaxProblems } from './report';
import { LineIndex, locate } from './locate';
import type { JsonPath, LocatedProblem } from './types';
import { validate, type ValidationResult } from './validate';

export interface TextValidationResult {
  problems: LocatedProblem[];
  /** Present only when there are no errors (warnings allowed). */
  spec?: ValidationResult['spec'];
}

/**
 * Bounds on spec text, far above any real spec (a few KB, nested about six levels) and low enough that parsing and
 * validating stay in bounded memory and recursion: deeper nesting would overflow the parser's and the validator's
 * stacks, and a 50 MB file took gigabytes. Readers of spec files (the CLI, the editor) apply the same size before
 * reading.
 */
export const SPEC_TEXT_LIMITS = { maxChars: 1_000_000, maxDepth: 64 } as const;

export function validateText(text: string): TextValidationResult {
  // A byte-order mark is whitespace to us; replacing it (not removing it) keeps every offset true to the text.
  const source = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  if (source.length > SPEC_TEXT_LIMITS.maxChars) {
    const message = `the file is ${source.length.toLocaleString('en-US')} characters long; a spec may have at most ${SPEC_TEXT_LIMITS.maxChars.toLocaleString('en-US')} (real specs are a few KB)`;
    return { problems: [{ code: 'too-large', severity: 'error', path: [], message, offset: 0, length: 0, line: 0, column: 0 }] };
  }
  const lines = new LineIndex(source);
  const deep = tooDeepAt(source);
  if (deep !== null) {
    const message = `objects and lists nest more than ${SPEC_TEXT_LIMITS.maxDepth} levels deep here; a spec nests about six`;
    return { problems: [{ code: 'too-deep', severity: 'error', path: [], message, offset: deep, length: 1, ...lines.position(deep) }] };
  }
  const errors: ParseError[] = [];
  const root = parseTree(source, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length || !root) return { problems: syntaxProblems(source, errors, lines) };

  const duplicates = duplicateKeys(root, lines);
  const { problems, spec } = validate(getNodeValue(root));
  const located = [...duplicates, ...problems.map((p) => locate(root, p, lines))].sort((a, b) => a.offset - b.offset);
  return spec && duplicates.length === 0 ? { problems: located, spec } : { problems: located };
}

/** True when `text` is within SPEC_TEXT_LIMITS: only then may other readers (the editor's lenses) parse it. */
export function withinSpecTextLimits(text: string): boolean {
  return text.length <= SPEC_TEXT_LIMITS.maxChars && tooDeepAt(text) === null;
}

/** Offset of the first "{" or "[" past SPEC_TEXT_LIMITS.maxDepth levels (strings skipped), or null. Iterative. */
function tooDeepAt(text: string): number | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > SPEC_TEXT_LIMITS.maxDepth) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return null;
}

function syntaxProblems(text: string, errors: ParseError[], lines: LineIndex): LocatedProblem[] {
  if (text.trim() === '') {
    return [
      {
        code: 'syntax',
        severity: 'error',
        path: [],
        message: 'the file is empty; a spec is a JSON object with name, task, model and attention',
        offset: 0,
        length: 0,
        line: 0,
        column: 0,
      },
    ];
  }
  const out: LocatedProblem[] = [];
  let lastOffset = -1;
  for (const e of errors) {
    // jsonc-parser reports follow-on errors at the same offset (`{"a": 1,}` gives two); the first explains it.
    if (e.offset === lastOffset) continue;
    lastOffset = e.offset;
    out.push({
      code: 'syntax',
      severity: 'error',
      path: syntaxPath(text, e.offset),
      message: syntaxMessage(text, e),
      offset: e.offset,
      length: e.length,
      ...lines.position(e.offset),
    });
    if (out.length >= MaxProblems) break;
  }
  return out;
}

/** The path of the object or list the error is in (jsonc-parser ends it with "" at a property-name position). */
function syntaxPath(text: string, offset: number): JsonPath {
  const path = getLocation(text, offset).path;
  while (path.length && path[path.length - 1] === '') path.pop();
  return path;
}

function syntaxMessage(text: string, e: ParseError): string {
  const at = text.slice(e.offset, e.offset + Math.max(1, Math.min(e.length, 20)));
  const before = text.slice(0, e.offset).trimEnd();
  const trailingComma = before.endsWith(',') && /^[}\]]/.test(text.slice(e.offset).trimStart());
  switch (printParseErrorCode(e.error)) {
    case 'InvalidSymbol':
      return `unexpected ${JSON.stringify(at)}; expected a JSON value (an object, list, string, number, true, false or null)`;
    case 'InvalidNumberFormat':
      return `invalid number ${JSON.stringify(at)}; JSON numbers look like 64, -0.5 or 1e-4`;
    case 'PropertyNameExpected':
      return trailingComma
        ? 'trailing comma before "}": JSON allows no comma after the last property'
        : 'expected a property name in double quotes';
    case 'ValueExpected':
      return trailingComma
        ? `trailing comma before "${text.slice(e.offset).trimStart()[0]}": JSON allows no comma after the last item`
        : 'expected a value';
    case 'ColonExpected':
      return 'expected ":" after the property name';
    case 'CommaExpected':
      return 'expected "," between items';
    case 'CloseBraceExpected':
      return 'expected "}" to close the object';
    case 'CloseBracketExpected':
      return 'expected "]" to close the list';
    case 'EndOfFileExpected':
      return 'unexpected text after the end of the JSON document';
    case 'InvalidCommentToken':
      return 'comments are not allowed: *.mlbtc.json files are strict JSON (put notes in "description")';
    case 'UnexpectedEndOfComment':
      return 'unterminated comment (comments are not allowed in *.mlbtc.json files)';
    case 'UnexpectedEndOfString':
      return 'unterminated string: the closing double quote is missing';
    case 'UnexpectedEndOfNumber':
      return 'the number ends too early (e.g. "1e" or "-")';
    case 'InvalidUnicode':
      return 'invalid \\u escape: it needs four hex digits, e.g. \\u00e9';
    case 'InvalidEscapeCharacter':
      return 'invalid escape in a string; JSON allows \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX';
    case 'InvalidCharacter':
      return 'invalid character in a string: control characters such as tabs and line breaks must be escaped (\\t, \\n)';
    default:
      return 'invalid JSON';
  }
}

/** JSON keeps the last of two equal keys; the earlier one is silently ignored, which is never what the writer meant. */
function duplicateKeys(root: Node, lines: LineIndex): LocatedProblem[] {
  const out: LocatedProblem[] = [];
  const visit = (node: Node): void => {
    if (out.length >= MaxProblems) return;
    if (node.type === 'object' && node.children) {
      const last = new Map<string, Node>();
      for (const prop of node.children) {
        const key = prop.children?.[0];
        if (key && typeof key.value === 'string') last.set(key.value, key);
      }
      for (const prop of node.children) {
        const key = prop.children?.[0];
        if (!key || typeof key.value !== 'string') continue;
        const kept = last.get(key.value)!;
        if (kept === key) continue;
        const path = getNodePath(key);
        const where = formatPath(path.slice(0, -1));
        const keptAt = lines.position(kept.offset);
        out.push({
          code: 'duplicate-key',
          severity: 'error',
          path,
          message: `duplicate property "${key.value}" in ${where}; JSON ignores this one and keeps the one on line ${keptAt.line + 1}; remove one of them`,
          offset: key.offset,
          length: key.length,
          ...lines.position(key.offset),
        });
      }
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(root);
  return out;
}
