import type { LineCtx } from './line-ctx.js';
import type { Word } from './types.js';
import { isBlank, isGoSpace } from '../util/space.js';

/**
 * Splits `text[start:end]` into words on unquoted spaces, keeping quotes and
 * escapes in the words (BuildKit's `parseWords`, used by ARG, ENV and LABEL).
 * An escape token at the very end is dropped.
 */
export function splitWordsKeepQuotes(ctx: LineCtx, start: number, end: number): Word[] {
  return scanWordsKeepQuotes(ctx, start, end).map((w) => ({ kind: 'word', value: w.value, range: ctx.range(w.start, w.end) }));
}

/** A word with its logical-line offsets; `value` equals the raw text but for a dropped final escape. */
export interface RawWord {
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** {@link splitWordsKeepQuotes} with logical offsets instead of ranges. */
export function scanWordsKeepQuotes(ctx: LineCtx, start: number, end: number): RawWord[] {
  const text = ctx.text;
  const words: RawWord[] = [];
  let word = '';
  let wordStart = -1;
  let quote = 0;
  let blankOk = false;
  const flush = (at: number): void => {
    if (blankOk || word.length > 0) words.push({ value: word, start: wordStart, end: at });
    word = '';
    wordStart = -1;
    blankOk = false;
  };
  for (let i = start; i < end; i++) {
    let c = text.charCodeAt(i);
    if (wordStart < 0) {
      if (isGoSpace(c)) continue;
      wordStart = i;
    }
    if (quote === 0) {
      if (isGoSpace(c)) {
        flush(i);
        continue;
      }
      if (c === 0x22 || c === 0x27) {
        quote = c;
        blankOk = true;
      } else if (c === ctx.escape) {
        if (i + 1 === end) continue;
        word += text[i];
        c = text.charCodeAt(++i);
      }
      word += text[i];
      continue;
    }
    if (c === quote) quote = 0;
    else if (c === ctx.escape && quote !== 0x27) {
      if (i + 1 === end) {
        quote = 0;
        continue;
      }
      word += text[i];
      i++;
    }
    word += text[i];
  }
  if (wordStart >= 0) flush(end);
  return words;
}

/**
 * Splits `text[start:end]` on runs of `[\t\v\f\r ]` with no quote handling
 * (FROM, EXPOSE, non-JSON ADD/COPY/VOLUME). The text is already trimmed.
 */
export function splitBlank(ctx: LineCtx, start: number, end: number): Word[] {
  const words: Word[] = [];
  let i = start;
  while (i < end) {
    const to = indexOfBlank(ctx.text, i, end);
    words.push({ kind: 'word', value: ctx.text.slice(i, to), range: ctx.range(i, to) });
    i = skipBlank(ctx.text, to, end);
  }
  return words;
}

/** Index of the first `[\t\v\f\r ]` at or after `from`, or `end`. */
export function indexOfBlank(text: string, from: number, end: number): number {
  let i = from;
  while (i < end && !isBlank(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past a run of `[\t\v\f\r ]` starting at `from`. */
export function skipBlank(text: string, from: number, end: number): number {
  let i = from;
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  return i;
}
