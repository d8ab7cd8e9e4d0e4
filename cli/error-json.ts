/**
 * A failed command as one JSON line, for `--progress json` (rawjson): the
 * output stays JSON lines to the last byte. Fields: `type: "error"`, `time`,
 * `message`, `code` (a kiln error's stable code, or null), `exitCode`,
 * `location` ({file, line, column, endLine, endColumn} or null) and `frame`
 * (the code-frame text a terminal would show, or null).
 */
import { codeFrame } from './code-frame.js';
import { isLocated, type SourceLookup } from './errors.js';
import { KilnError } from '../util/errors.js';

/** Whether `argv` asks `kiln build` for JSON progress (`--progress json|rawjson`, `--progress=…`). */
export function wantsJsonProgress(argv: readonly string[]): boolean {
  return argv.some((a, i) => (a === '--progress' && /^(raw)?json$/.test(argv[i + 1] ?? '')) || /^--progress=(raw)?json$/.test(a));
}

/** The JSON line for `err` (with its newline). */
export function errorLine(err: unknown, o: { sources: SourceLookup; exitCode: number; time?: number; debug?: boolean }): string {
  // commander's own messages start with `error: `, which the line's type already says.
  const message = (err instanceof Error ? err.message : String(err)).replace(/^error: /, '');
  const code = err instanceof KilnError ? err.code : null;
  let location = null;
  let frame = null;
  if (isLocated(err)) {
    const { start, end } = err.range;
    location = { file: err.filename, line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
    const text = o.sources(err.filename);
    frame = text === undefined ? null : codeFrame(text, err.range) || null;
  }
  const stack = o.debug === true && err instanceof Error && err.stack !== undefined ? { stack: err.stack } : {};
  return `${JSON.stringify({ type: 'error', time: o.time ?? Date.now(), message, code, exitCode: o.exitCode, location, frame, ...stack })}\n`;
}
