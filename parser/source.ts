import type { Position, Range } from './types.js';

/**
 * Maps offsets in a source text to 1-based line/column positions. Built once per
 * parse; lookups are a binary search over line starts.
 */
export class SourceText {
  readonly text: string;
  readonly filename: string;
  /** Offset of the first character of each physical line. */
  readonly lineStarts: readonly number[];

  constructor(text: string, filename: string) {
    this.text = text;
    this.filename = filename;
    const starts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.lineStarts = starts;
  }

  /** The position of `offset` (clamped to the text). */
  position(offset: number): Position {
    const off = Math.max(0, Math.min(offset, this.text.length));
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: off - (starts[lo] ?? 0) + 1, offset: off };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(Math.max(start, end)) };
  }

  /** The range of whole physical lines `first..last` (1-based), newline excluded. */
  lineRange(first: number, last: number): Range {
    return this.range(this.lineStart(first), this.lineEnd(last));
  }

  /** Offset just past `line`'s line ending (its `\n`), or the end of the text. */
  lineEndWithNewline(line: number): number {
    return this.lineStarts[line] ?? this.text.length;
  }

  /** Offset of the first character of 1-based `line`. */
  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line, this.lineStarts.length) - 1)] ?? 0;
  }

  /** Offset just past the last character of 1-based `line` (before `\r\n` / `\n`). */
  lineEnd(line: number): number {
    const next = this.lineStarts[line];
    let end = next === undefined ? this.text.length : next - 1;
    while (end > this.lineStart(line) && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }
}

/**
 * A logical line (an instruction with its continuation lines joined) and the
 * map from its offsets back to source offsets. Every piece is a contiguous slice
 * of the source.
 */
export class LogicalLine {
  #text = '';
  /** Where an empty logical line maps to: the start of its first physical line. */
  readonly #anchor: number;
  readonly #logical: number[] = [];
  readonly #source: number[] = [];

  constructor(anchor: number) {
    this.#anchor = anchor;
  }

  get text(): string {
    return this.#text;
  }

  /** Appends `source.text.slice(start, end)`. */
  append(src: string, start: number, end: number): void {
    if (end <= start) return;
    this.#logical.push(this.#text.length);
    this.#source.push(start);
    this.#text += src.slice(start, end);
  }

  /** The source offset of logical offset `i` (an end offset maps to just past its character). */
  toSource(i: number, isEnd = false): number {
    const logical = this.#logical;
    if (logical.length === 0) return this.#anchor;
    const probe = isEnd && i > 0 ? i - 1 : i;
    let lo = 0;
    let hi = logical.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((logical[mid] ?? 0) <= probe) lo = mid;
      else hi = mid - 1;
    }
    const src = (this.#source[lo] ?? 0) + (probe - (logical[lo] ?? 0));
    return isEnd && i > 0 ? src + 1 : src;
  }
}
