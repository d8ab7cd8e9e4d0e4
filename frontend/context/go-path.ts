/**
 * Go's `path.Clean` and `path/filepath.Match` on Linux, which Docker's COPY
 * wildcards (https://pkg.go.dev/path/filepath#Match) and moby/patternmatcher
 * are defined by. Ported from their documented behaviour so that edge cases
 * (escapes, character classes, error reporting) agree with BuildKit.
 */
import { InvalidArgumentError } from '../../util/errors.js';
import { cleanPath } from '../../util/go-path-clean.js';

export { cleanPath };

/** Go's filepath.ErrBadPattern, as an error naming the pattern. */
export function badPattern(pattern: string): InvalidArgumentError {
  return new InvalidArgumentError(`syntax error in pattern ${JSON.stringify(pattern)}`);
}

/** True when a path segment has a wildcard that `Match` would expand (`\` escapes one). */
export function hasWildcards(segment: string): boolean {
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

type Chars = readonly string[];

/**
 * Go's `filepath.Match(pattern, name)`: `*` is any run of non-`/`
 * characters, `?` one non-`/` character, `[...]` a class (`^` negates,
 * `a-z` ranges, `\` escapes). Throws InvalidArgumentError for a malformed
 * pattern, where Go returns ErrBadPattern.
 */
export function matchGlob(pattern: string, name: string): boolean {
  let p: Chars = Array.from(pattern);
  let s: Chars = Array.from(name);
  outer: while (p.length > 0) {
    const { star, chunk, rest } = scanChunk(p);
    p = rest;
    if (star && chunk.length === 0) return !s.includes('/');
    const t = matchChunk(chunk, s, pattern);
    if (t !== null && (t.length === 0 || p.length > 0)) {
      s = t;
      continue;
    }
    if (star) {
      for (let i = 0; i < s.length && s[i] !== '/'; i++) {
        const t2 = matchChunk(chunk, s.slice(i + 1), pattern);
        if (t2 === null || (p.length === 0 && t2.length > 0)) continue;
        s = t2;
        continue outer;
      }
    }
    // Before answering false, check that the rest of the pattern is well formed.
    while (p.length > 0) {
      const next = scanChunk(p);
      p = next.rest;
      matchChunk(next.chunk, [], pattern);
    }
    return false;
  }
  return s.length === 0;
}

/** Splits off leading stars and the chunk up to the next star outside a class. */
function scanChunk(p: Chars): { star: boolean; chunk: Chars; rest: Chars } {
  let star = false;
  let start = 0;
  while (start < p.length && p[start] === '*') {
    start++;
    star = true;
  }
  let inRange = false;
  let i = start;
  for (; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      if (i + 1 < p.length) i++;
    } else if (c === '[') inRange = true;
    else if (c === ']') inRange = false;
    else if (c === '*' && !inRange) break;
  }
  return { star, chunk: p.slice(start, i), rest: p.slice(i) };
}

/**
 * Matches `chunk` at the start of `s`: the rest of `s`, or null. The whole
 * chunk is parsed even after a mismatch, so a malformed one always throws.
 */
function matchChunk(chunkIn: Chars, sIn: Chars, pattern: string): Chars | null {
  let chunk = chunkIn;
  let s = sIn;
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const c = chunk[0];
    if (c === '[') {
      const r = failed ? '' : (s[0] ?? '');
      if (!failed) s = s.slice(1);
      const cls = matchClass(chunk.slice(1), r, pattern);
      chunk = cls.rest;
      if (cls.matched === false) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (s[0] === '/') failed = true;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    } else {
      if (c === '\\') {
        chunk = chunk.slice(1);
        if (chunk.length === 0) throw badPattern(pattern);
      }
      if (!failed) {
        if (chunk[0] !== s[0]) failed = true;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    }
  }
  return failed ? null : s;
}

/** Parses a class body after `[` and tests the character `r` ('' when not reading). */
function matchClass(body: Chars, r: string, pattern: string): { matched: boolean; rest: Chars } {
  let chunk = body;
  let negated = false;
  if (chunk[0] === '^') {
    negated = true;
    chunk = chunk.slice(1);
  }
  let match = false;
  const code = r === '' ? -1 : (r.codePointAt(0) ?? -1);
  for (let nrange = 0; ; nrange++) {
    if (chunk[0] === ']' && nrange > 0) {
      chunk = chunk.slice(1);
      break;
    }
    const lo = getEsc(chunk, pattern);
    let hi = lo.char;
    chunk = lo.rest;
    if (chunk[0] === '-') {
      const h = getEsc(chunk.slice(1), pattern);
      hi = h.char;
      chunk = h.rest;
    }
    if (lo.char <= code && code <= hi) match = true;
  }
  return { matched: match !== negated, rest: chunk };
}

/** One possibly escaped class character, as a code point. */
function getEsc(chunkIn: Chars, pattern: string): { char: number; rest: Chars } {
  let chunk = chunkIn;
  const first = chunk[0];
  if (first === undefined || first === '-' || first === ']') throw badPattern(pattern);
  if (first === '\\') {
    chunk = chunk.slice(1);
    if (chunk.length === 0) throw badPattern(pattern);
  }
  const rest = chunk.slice(1);
  if (rest.length === 0) throw badPattern(pattern);
  return { char: chunk[0]?.codePointAt(0) ?? 0, rest };
}
