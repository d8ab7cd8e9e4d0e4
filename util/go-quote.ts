/**
 * Go's `strconv.Quote`: the one quoting used by the AST dump, the parser's
 * error messages and history `created_by` text (they must not drift).
 * Printable runes (Go `unicode.IsPrint`: L, M, N, P, S and the ASCII space)
 * stay as they are; others become `\a`-style, `\xHH`, `\uHHHH` or `\UHHHHHHHH`.
 */
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const named: Readonly<Record<number, string>> = {
  0x07: '\\a',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x0b: '\\v',
  0x22: '\\"',
  0x5c: '\\\\',
};

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Quotes one string as Go's `strconv.Quote` would. */
export function goQuote(s: string): string {
  let out = '"';
  let plainFrom = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Fast path: printable ASCII other than `"` and `\`.
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(plainFrom, i);
    const cp = s.codePointAt(i) ?? c;
    const width = cp > 0xffff ? 2 : 1;
    out += quoteRune(cp, s.slice(i, i + width));
    i += width - 1;
    plainFrom = i + 1;
  }
  return out + s.slice(plainFrom) + '"';
}

function quoteRune(cp: number, ch: string): string {
  const n = named[cp];
  if (n !== undefined) return n;
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
  // A lone surrogate is not valid UTF-8; Go would print U+FFFD.
  if (cp >= 0xd800 && cp <= 0xdfff) return '\ufffd';
  if (printable.test(ch)) return ch;
  return cp > 0xffff ? `\\U${hex(cp, 8)}` : `\\u${hex(cp, 4)}`;
}

/** Go's `%q` of a `[]string`: `["a" "b"]`. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}
