/** Go's `unicode.IsSpace`: ASCII blanks, U+0085, U+00A0 and the Unicode Zs/line/paragraph separators. */
export function isGoSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** The `[\t\v\f\r ]` class BuildKit splits words and keywords on. */
export function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d;
}

/** Index of the first non-space (Go `unicode.IsSpace`) at or after `from`. */
export function skipGoSpace(s: string, from: number, to = s.length): number {
  let i = from;
  while (i < to && isGoSpace(s.charCodeAt(i))) i++;
  return i;
}

/** Index just past the last non-space before `to`. */
export function trimGoSpaceEnd(s: string, from: number, to = s.length): number {
  let i = to;
  while (i > from && isGoSpace(s.charCodeAt(i - 1))) i--;
  return i;
}
