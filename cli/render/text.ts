/**
 * Terminal text measurement for the tty renderer: a line wider than the
 * terminal wraps, the redraw's cursor-up count goes wrong, and the screen
 * fills with garbage. So everything drawn live is sanitized and cut to width.
 */

/** CSI sequences (colors, cursor moves), OSC (titles, links), and two-byte escapes. */
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]/g;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

/** Wide (two-column) code points: CJK, Hangul, full-width forms, most emoji. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Columns one character takes. */
export function charWidth(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  if (ZERO_WIDTH.test(ch)) return 0;
  return isWide(cp) ? 2 : 1;
}

/** Columns a sanitized string takes. */
export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return w;
}

/** Program output made safe to draw: escapes and control characters removed, tabs expanded. */
export function sanitize(s: string): string {
  let out = '';
  let col = 0;
  for (const ch of s.replace(ESCAPES, '')) {
    if (ch === '\t') {
      const n = 8 - (col % 8);
      out += ' '.repeat(n);
      col += n;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    out += ch;
    col += charWidth(ch);
  }
  return out;
}

/** The longest prefix of a sanitized string that fits in `cols` columns. */
export function truncate(s: string, cols: number): string {
  let w = 0;
  let out = '';
  for (const ch of s) {
    const cw = charWidth(ch);
    if (w + cw > cols) break;
    out += ch;
    w += cw;
  }
  return out;
}

/** `left` cut and padded so that `right` ends at column `cols`. */
export function align(left: string, right: string, cols: number): string {
  const room = Math.max(0, cols - textWidth(right) - 1);
  const l = truncate(left, room);
  return `${l}${' '.repeat(room - textWidth(l))} ${right}`;
}
