/**
 * The Dockerfile parser: physical lines → directives, logical instruction lines
 * (continuations joined, comments and blank lines inside them skipped), heredoc
 * bodies → a typed {@link Dockerfile}. It reproduces BuildKit's parser exactly,
 * including its quirks; see `../shared/conformance/README.md`.
 */
import { DirectiveReader } from './directives.js';
import { DockerfileSyntaxError, LineError, withLocation } from './errors.js';
import { canContainHeredoc, heredocsFromLine, type HeredocHeader } from './heredoc.js';
import { parseInstructionLine } from './instruction-line.js';
import type { LineCtx } from './line-ctx.js';
import { LogicalLine, SourceText } from './source.js';
import type { Directive, Dockerfile, Heredoc, Instruction, Range, Warning } from './types.js';
import { KilnError } from '../util/errors.js';
import { skipGoSpace } from '../util/space.js';

/** Options for {@link parse}. */
export interface ParseOptions {
  /** Name used in ranges and error messages. @default 'Dockerfile' */
  readonly filename?: string;
}

const MAX_LINE_BYTES = 65535;

/** Parses Dockerfile text. Throws {@link DockerfileSyntaxError} on invalid input. */
export function parse(text: string, options: ParseOptions = {}): Dockerfile {
  return new DockerfileParser(new SourceText(text, options.filename ?? 'Dockerfile')).run();
}

class DockerfileParser {
  readonly #src: SourceText;
  readonly #text: string;
  readonly #lineCount: number;
  readonly #directives = new DirectiveReader();
  readonly #found: Directive[] = [];
  readonly #instructions: Instruction[] = [];
  readonly #warnings: Warning[] = [];
  #escape: '\\' | '`' = '\\';
  #line = 0;
  #comments: string[] = [];

  constructor(src: SourceText) {
    this.#src = src;
    this.#text = src.text;
    const starts = src.lineStarts.length;
    // A final newline does not start another line.
    this.#lineCount = this.#text.length === 0 ? 0 : this.#text.endsWith('\n') ? starts - 1 : starts;
  }

  run(): Dockerfile {
    while (this.#line < this.#lineCount) this.#instruction();
    if (this.#instructions.length === 0) {
      const line = Math.max(1, this.#lineCount);
      throw new DockerfileSyntaxError('file with no instructions', this.#src.filename, this.#src.lineRange(line, line));
    }
    const first = this.#instructions[0];
    const last = this.#instructions[this.#instructions.length - 1];
    return {
      kind: 'dockerfile',
      filename: this.#src.filename,
      escapeToken: this.#escape,
      directives: this.#found,
      instructions: this.#instructions,
      warnings: this.#warnings,
      range: { start: first?.range.start ?? this.#src.position(0), end: last?.range.end ?? this.#src.position(0) },
    };
  }

  /** Consumes the next physical line and, if it starts one, a whole instruction. */
  #instruction(): void {
    const first = this.#next();
    const raw = this.#content(first);
    if (this.#isComment(raw.start, raw.end)) this.#comments.push(this.#text.slice(raw.start + 1, raw.end).trim());
    const body = this.#process(first, true);
    let piece = this.#trimContinuation(body.start, body.end);
    if (!piece.continues && piece.end === body.start) return;
    const logical = new LogicalLine(body.start);
    logical.append(this.#text, body.start, piece.end);
    let hasEmpty = false;
    while (piece.continues && this.#line < this.#lineCount) {
      const n = this.#next();
      const c = this.#process(n, false);
      if (this.#isComment(c.start, c.end)) continue;
      if (skipGoSpace(this.#text, c.start, c.end) === c.end) {
        hasEmpty = true;
        continue;
      }
      piece = this.#trimContinuation(c.start, c.end);
      logical.append(this.#text, c.start, piece.end);
    }
    const ctx = this.#ctx(logical);
    const lines = (): Range => this.#src.lineRange(first, this.#line);
    let inst: Instruction;
    try {
      inst = parseInstructionLine(ctx, 0, logical.text.length);
    } catch (err) {
      throw this.#error(err, ctx, lines());
    }
    if (hasEmpty) this.#warnings.push({ message: `Empty continuation line found in: ${logical.text}`, range: lines() });
    const heredocs = canContainHeredoc(inst) ? this.#heredocs(logical.text, ctx, first) : [];
    this.#instructions.push({
      ...inst,
      heredocs,
      comments: this.#comments,
      range: { start: inst.range.start, end: this.#src.position(this.#src.lineEnd(this.#line)) },
    });
    this.#comments = [];
  }

  #heredocs(line: string, ctx: LineCtx, first: number): Heredoc[] {
    let headers: HeredocHeader[];
    try {
      headers = heredocsFromLine(line);
    } catch (err) {
      throw this.#error(err, ctx, this.#src.lineRange(first, this.#line));
    }
    return headers.map((h) => this.#heredocBody(h, first));
  }

  #heredocBody(header: HeredocHeader, first: number): Heredoc {
    const bodyStart = this.#line + 1;
    let content = '';
    while (this.#line < this.#lineCount) {
      const n = this.#next();
      const { start, end } = this.#content(n);
      let from = start;
      if (header.chomp) while (from < end && this.#text.charCodeAt(from) === 9) from++;
      if (this.#text.slice(from, end) === header.name) {
        return { kind: 'heredoc', ...header, content, range: this.#src.lineRange(bodyStart, n) };
      }
      content += this.#text.slice(this.#src.lineStart(n), this.#src.lineEndWithNewline(n));
    }
    const msg = `unterminated heredoc ${header.name}`;
    throw new DockerfileSyntaxError(msg, this.#src.filename, this.#src.lineRange(first, this.#line));
  }

  /** Advances to the next physical line, enforcing BuildKit's line length limit. */
  #next(): number {
    const n = ++this.#line;
    const { start, end } = this.#content(n);
    if (end - start > MAX_LINE_BYTES / 3 && Buffer.byteLength(this.#text.slice(start, end)) > MAX_LINE_BYTES) {
      const msg = `dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`;
      throw new DockerfileSyntaxError(msg, this.#src.filename, this.#src.lineRange(n, n));
    }
    return n;
  }

  /** The line's text without its line ending (and without a BOM on line 1). */
  #content(n: number): { start: number; end: number } {
    let start = this.#src.lineStart(n);
    if (n === 1 && this.#text.charCodeAt(0) === 0xfeff) start++;
    return { start, end: Math.max(start, this.#src.lineEnd(n)) };
  }

  /** BuildKit's processLine: optional left trim, directive check, comment removal. */
  #process(n: number, trimLeft: boolean): { start: number; end: number } {
    const c = this.#content(n);
    const start = trimLeft ? skipGoSpace(this.#text, c.start, c.end) : c.start;
    const d = this.#directives.read(this.#text.slice(start, c.end));
    if (d.kind === 'error') throw new DockerfileSyntaxError(d.message, this.#src.filename, this.#src.range(start, c.end));
    if (d.kind === 'directive') {
      this.#found.push({ kind: 'directive', name: d.name, value: d.value, range: this.#src.range(start, c.end) });
      if (d.name === 'escape') this.#escape = d.value === '`' ? '`' : '\\';
    }
    const isComment = this.#text.charCodeAt(start) === 0x23;
    return { start, end: isComment ? start : c.end };
  }

  #isComment(start: number, end: number): boolean {
    const i = skipGoSpace(this.#text, start, end);
    return i < end && this.#text.charCodeAt(i) === 0x23;
  }

  /** Strips a line continuation (escape token + blanks at the end, not preceded by an escape token). */
  #trimContinuation(start: number, end: number): { end: number; continues: boolean } {
    let e = end;
    while (e > start && (this.#text.charCodeAt(e - 1) === 0x20 || this.#text.charCodeAt(e - 1) === 0x09)) e--;
    const esc = this.#escape.charCodeAt(0);
    if (e > start && this.#text.charCodeAt(e - 1) === esc && (e - 1 === start || this.#text.charCodeAt(e - 2) !== esc)) {
      return { end: e - 1, continues: true };
    }
    return { end, continues: false };
  }

  #ctx(logical: LogicalLine): LineCtx {
    const src = this.#src;
    return {
      text: logical.text,
      escape: this.#escape.charCodeAt(0),
      range: (start, end) => ({
        start: src.position(logical.toSource(start)),
        end: src.position(end <= start ? logical.toSource(start) : logical.toSource(end, true)),
      }),
    };
  }

  #error(err: unknown, ctx: LineCtx, lines: Range): DockerfileSyntaxError {
    // Anything else is a bug in kiln, not a problem with the Dockerfile: let it surface as such.
    if (!(err instanceof LineError || err instanceof KilnError)) throw err;
    if (err instanceof LineError && err.start !== undefined) {
      return withLocation(err, this.#src.filename, ctx.range(err.start, err.end ?? err.start));
    }
    return withLocation(err, this.#src.filename, lines);
  }
}
