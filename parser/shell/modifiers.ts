import { ShellExpansionError } from './errors.js';
import type { Expansion } from './expander.js';
import { PatternError, replaceAll, replaceFirst, trimPrefix, trimSuffix } from './pattern.js';

/**
 * The `${NAME<op>word}` forms. POSIX parameter expansion, minus `=` (BuildKit
 * cannot assign) and minus `:#` / `:%`, which are errors.
 * https://pubs.opengroup.org/onlinepubs/9699919799/utilities/V3_chap02.html#tag_18_06_02
 */

const PLUS = 0x2b;
const MINUS = 0x2d;
const QUESTION = 0x3f;
const HASH = 0x23;
const PERCENT = 0x25;
const RBRACE = 0x7d;
const SLASH = 0x2f;

function unsupported(chs: string): ShellExpansionError {
  return new ShellExpansionError(`unsupported modifier (${chs}) in substitution`);
}

/** Scans a `${...}` operand up to `stop`, turning a premature end of input into `missing`. */
function operand(exp: Expansion, stop: number, rawEscapes: boolean, missing: string): string {
  try {
    return exp.scanUntil(stop, rawEscapes).text;
  } catch (err) {
    if (exp.atEnd) throw new ShellExpansionError(`syntax error: ${missing}`, { cause: err });
    throw err;
  }
}

function failIfUnset(name: string, value: string | undefined, message: string, nullIsUnset: boolean): string {
  if (value === undefined) throw new ShellExpansionError(`${name}: ${message || 'is not allowed to be unset'}`);
  if (nullIsUnset && value === '') throw new ShellExpansionError(`${name}: ${message || 'is not allowed to be empty'}`);
  return value;
}

function trim(op: number, pattern: string, value: string): string {
  // `##` and `%%` are recognised on the expanded operand, as BuildKit does.
  const greedy = pattern.charCodeAt(0) === op;
  const pat = greedy ? pattern.slice(1) : pattern;
  try {
    return op === PERCENT ? trimSuffix(pat, value, greedy) : trimPrefix(pat, value, greedy);
  } catch (err) {
    if (err instanceof PatternError) {
      throw new ShellExpansionError(`invalid pattern (${pat}) in substitution: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/**
 * `-`, `+`, `?`, `#`, `%` with or without a leading `:` (which makes an empty
 * value count as unset). `chs` is the operator as written, for messages and
 * for echoing the expression back under skipUnsetEnv. The cursor is just past
 * the operator.
 */
export function applyModifier(exp: Expansion, name: string, op: number, chs: string, nullIsUnset: boolean): string {
  const isTrim = op === HASH || op === PERCENT;
  if (!nullIsUnset && op !== PLUS && op !== MINUS && op !== QUESTION && !isTrim) throw unsupported(chs);
  if (nullIsUnset && isTrim) throw unsupported(chs);
  // Trim patterns keep their escapes so that `\*` stays a literal star.
  const word = operand(exp, RBRACE, isTrim, "missing '}'");
  const value = exp.getEnv(name);
  if (value === undefined && exp.mode.skipUnsetEnv) return '${' + name + chs + word + '}';
  const empty = value === undefined || (nullIsUnset && value === '');
  switch (op) {
    case MINUS:
      return empty ? word : (value as string);
    case PLUS:
      return empty ? '' : word;
    case QUESTION:
      return failIfUnset(name, value, word, nullIsUnset);
    case HASH:
    case PERCENT:
      return trim(op, word, value ?? '');
    default:
      throw unsupported(chs);
  }
}

/** `${NAME/pattern/replacement}` and `${NAME//pattern/replacement}`; the cursor is past the first `/`. */
export function substitute(exp: Expansion, name: string): string {
  const all = exp.src.charCodeAt(exp.pos) === SLASH;
  if (all) exp.pos++;
  const pattern = operand(exp, SLASH, true, "missing '/' in ${}");
  const replacement = operand(exp, RBRACE, true, "missing '}'");
  const value = exp.getEnv(name);
  // BuildKit echoes a single `/` here even for `//`.
  if (value === undefined && exp.mode.skipUnsetEnv) return '${' + name + '/' + pattern + '/' + replacement + '}';
  try {
    return all ? replaceAll(pattern, value ?? '', replacement) : replaceFirst(pattern, value ?? '', replacement);
  } catch (err) {
    if (err instanceof PatternError) {
      throw new ShellExpansionError(`invalid pattern (${pattern}) in substitution: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
