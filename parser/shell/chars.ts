/**
 * Character classes of BuildKit's lexer, on Unicode code points, matching Go's
 * `unicode.IsLetter` / `unicode.IsDigit` (categories L and Nd).
 */
const letterRe = /^\p{L}$/u;
const digitRe = /^\p{Nd}$/u;

export const EOF = -1;

/** Go `unicode.IsDigit`: any decimal digit (Nd), not only ASCII. */
export function isDigit(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x30 && cp <= 0x39;
  return digitRe.test(String.fromCodePoint(cp));
}

/** Go `unicode.IsLetter`. */
export function isLetter(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a);
  return letterRe.test(String.fromCodePoint(cp));
}

/** A character that may continue a variable name (and a Go regexp template name). */
export function isNameChar(cp: number): boolean {
  return cp === 0x5f || isLetter(cp) || isDigit(cp);
}

/**
 * POSIX special parameters (`$@ $* $# $? $- $$ $! $0`); BuildKit accepts them
 * as one-character names that are never set.
 * https://pubs.opengroup.org/onlinepubs/9699919799/utilities/V3_chap02.html#tag_18_05_02
 */
export function isSpecialParam(cp: number): boolean {
  switch (cp) {
    case 0x40: // @
    case 0x2a: // *
    case 0x23: // #
    case 0x3f: // ?
    case 0x2d: // -
    case 0x24: // $
    case 0x21: // !
    case 0x30: // 0
      return true;
    default:
      return false;
  }
}

/** Code point at `i` (or {@link EOF} past the end). */
export function codePointAt(s: string, i: number): number {
  return i < s.length ? (s.codePointAt(i) as number) : EOF;
}

/** UTF-16 length of a code point. */
export function cpWidth(cp: number): number {
  return cp > 0xffff ? 2 : 1;
}

/** How Go's `string(rune)` prints a scanned character; EOF becomes U+FFFD. */
export function runeString(cp: number): string {
  return cp < 0 ? '\uFFFD' : String.fromCodePoint(cp);
}
