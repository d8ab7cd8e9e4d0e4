/**
 * Renders the lines of a source range with line numbers, `>` markers on the
 * lines at fault and carets under the columns, for error messages.
 */

/** A 1-based line/column span to show. */
export interface FrameRange {
  readonly start: { readonly line: number; readonly column: number };
  readonly end: { readonly line: number; readonly column: number };
}

const CONTEXT = 2;
const MAX_LINES = 12;

/** The code frame for `range` in `text` (empty when the range is outside the text). */
export function codeFrame(text: string, range: FrameRange): string {
  const lines = text.split('\n');
  const first = Math.max(1, range.start.line);
  const last = Math.max(first, Math.min(range.end.line, first + MAX_LINES - 1));
  if (first > lines.length) return '';
  const from = Math.max(1, first - CONTEXT);
  const to = Math.min(lines.length, last);
  const width = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    const line = (lines[n - 1] ?? '').replace(/\r$/, '');
    const hit = n >= first && n <= last;
    out.push(`${hit ? '>' : ' '} ${String(n).padStart(width)} | ${line}`);
    if (hit && first === last) {
      const startCol = Math.max(1, range.start.column);
      const endCol = range.end.line === n && range.end.column > startCol ? range.end.column : line.length + 1;
      const carets = '^'.repeat(Math.max(1, endCol - startCol));
      out.push(`  ${' '.repeat(width)} | ${line.slice(0, startCol - 1).replace(/[^\t]/g, ' ')}${carets}`);
    }
  }
  if (range.end.line > last) out.push(`  ${' '.repeat(width)} | ...`);
  return out.join('\n');
}
