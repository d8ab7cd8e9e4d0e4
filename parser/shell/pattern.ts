import { codePointAt, cpWidth, isNameChar, runeString } from './chars.js';

/**
 * Shell patterns of `${VAR#pat}`, `${VAR%pat}` and `${VAR/pat/repl}`, the way
 * BuildKit evaluates them: the pattern becomes a regular expression in which
 * `*` is any run and `?` any one character (neither crosses a newline, like
 * Go's `.`), `\*`, `\?` and `\\` are literal, and `\}` / `\/` drop the
 * backslash. Bracket expressions are not supported: `[` and `]` are literal.
 * https://pubs.opengroup.org/onlinepubs/9699919799/utilities/V3_chap02.html#tag_18_13
 */

const ANY = '[^\\n]';
const BACKSLASH = 0x5c;

/** A pattern BuildKit rejects; the message is BuildKit's. */
export class PatternError extends Error {}

function isRegexSpecial(c: number): boolean {
  switch (c) {
    case 0x5b: // [
    case 0x5d: // ]
    case 0x7b: // {
    case 0x7d: // }
    case 0x2e: // .
    case 0x2b: // +
    case 0x28: // (
    case 0x29: // )
    case 0x7c: // |
    case 0x5e: // ^
    case 0x24: // $
      return true;
    default:
      return false;
  }
}

/** Regex source for a shell pattern. Throws {@link PatternError}. */
export function patternToRegexSource(pattern: string, greedy: boolean, anchored: boolean): string {
  let out = anchored ? '^' : '';
  const star = greedy ? `${ANY}*` : `${ANY}*?`;
  // Go's text/scanner skips a byte order mark at the start of its input.
  let i = pattern.charCodeAt(0) === 0xfeff ? 1 : 0;
  let literalFrom = i;
  const flush = (to: number): void => {
    if (to > literalFrom) out += pattern.slice(literalFrom, to);
  };
  while (i < pattern.length) {
    const c = pattern.charCodeAt(i);
    if (c === 0x2a || c === 0x3f) {
      flush(i);
      out += c === 0x2a ? star : ANY;
      literalFrom = ++i;
    } else if (c === BACKSLASH) {
      flush(i);
      const next = pattern.charCodeAt(i + 1);
      if (next === 0x7d || next === 0x2f) {
        // `\}` and `\/` only protect the delimiter; the escape is not part of the pattern.
        literalFrom = ++i;
        continue;
      }
      if (next !== 0x2a && next !== 0x3f && next !== BACKSLASH) {
        throw new PatternError(`invalid escape '\\${runeString(codePointAt(pattern, i + 1))}'`);
      }
      out += '\\' + String.fromCharCode(next);
      literalFrom = i += 2;
    } else if (isRegexSpecial(c)) {
      flush(i);
      out += '\\' + String.fromCharCode(c);
      literalFrom = ++i;
    } else {
      i++;
    }
  }
  flush(i);
  return out;
}

const cache = new Map<string, RegExp>();
const CACHE_LIMIT = 512;

/** Compiled pattern, cached: the same few patterns recur on every instruction. */
function compile(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const key = `${greedy ? 'g' : 'l'}${anchored ? 'a' : 'f'}${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    re = new RegExp(patternToRegexSource(pattern, greedy, anchored), 'gu');
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, re);
  }
  return re;
}

function execAt(re: RegExp, text: string, from: number): RegExpExecArray | null {
  re.lastIndex = from;
  return re.exec(text);
}

/** `${VAR#pat}` / `${VAR##pat}`: drops the shortest (longest) matching prefix. */
export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = execAt(compile(pattern, greedy, true), value, 0);
  return m === null ? value : value.slice(m.index + m[0].length);
}

function reverseCodePoints(s: string): string {
  return Array.from(s).reverse().join('');
}

/** Reverses a pattern by code point, keeping each `\x` pair in order (`a\*c` → `c\*a`). */
export function reversePattern(pattern: string): string {
  const cps = Array.from(pattern);
  const out = new Array<string>(cps.length);
  const last = cps.length - 1;
  for (let i = 0; i <= last; ) {
    const tok = cps[i] as string;
    const at = last - i;
    if (tok === '\\' && i !== last) {
      out[at - 1] = tok;
      out[at] = cps[i + 1] as string;
      i += 2;
    } else {
      out[at] = tok;
      i++;
    }
  }
  return out.join('');
}

/**
 * `${VAR%pat}` / `${VAR%%pat}`: drops the shortest (longest) matching suffix.
 * A regex finds leftmost matches only, so BuildKit reverses both the value and
 * the pattern and trims a prefix instead.
 */
export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverseCodePoints(trimPrefix(reversePattern(pattern), reverseCodePoints(value), greedy));
}

/** `${VAR/pat/repl}`: replaces the leftmost longest match, literally. */
export function replaceFirst(pattern: string, value: string, replacement: string): string {
  const m = execAt(compile(pattern, true, false), value, 0);
  if (m === null) return value;
  return value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length);
}

/**
 * `${VAR//pat/repl}`: Go's `Regexp.ReplaceAllString`. Unlike JavaScript's
 * `replace`, an empty match right after a previous match is not replaced, and
 * `repl` is a Go template (`$0` is the match, `$$` a dollar).
 */
export function replaceAll(pattern: string, value: string, replacement: string): string {
  const re = compile(pattern, true, false);
  const templated = replacement.includes('$');
  let out = '';
  let lastEnd = 0;
  let searchPos = 0;
  while (searchPos <= value.length) {
    const m = execAt(re, value, searchPos);
    if (m === null) break;
    const start = m.index;
    const end = start + m[0].length;
    out += value.slice(lastEnd, start);
    if (end > lastEnd || start === 0) out += templated ? expandTemplate(replacement, m[0]) : replacement;
    lastEnd = end;
    const width = searchPos < value.length ? cpWidth(value.codePointAt(searchPos) as number) : 0;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + value.slice(lastEnd);
}

/**
 * Go's `Regexp.Expand` for a pattern whose only group is the whole match:
 * `$0` / `${0}` insert it, `$$` is a dollar, other well-formed references
 * are empty and a malformed `$` stays literal.
 */
function expandTemplate(template: string, match: string): string {
  let out = '';
  let t = template;
  for (;;) {
    const dollar = t.indexOf('$');
    if (dollar < 0) break;
    out += t.slice(0, dollar);
    t = t.slice(dollar + 1);
    if (t.charCodeAt(0) === 0x24) {
      out += '$';
      t = t.slice(1);
      continue;
    }
    const brace = t.charCodeAt(0) === 0x7b;
    let i = brace ? 1 : 0;
    const nameStart = i;
    for (let cp = codePointAt(t, i); cp >= 0 && isNameChar(cp); cp = codePointAt(t, i)) i += cpWidth(cp);
    const name = t.slice(nameStart, i);
    if (name === '' || (brace && t.charCodeAt(i) !== 0x7d)) {
      out += '$';
      continue;
    }
    if (brace) i++;
    if (name === '0') out += match;
    t = t.slice(i);
  }
  return out + t;
}
