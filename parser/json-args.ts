import type { IToken } from 'chevrotain';
import { LineError } from './errors.js';
import { jsonParser, jsonVisitor } from './grammar.js';
import type { LineCtx } from './line-ctx.js';
import { jsonLexer } from './tokens.js';
import type { Word } from './types.js';
import { skipGoSpace } from '../util/space.js';

/** Outcome of reading arguments as a JSON array. */
export type JsonArgs = { readonly ok: true; readonly values: readonly Word[] } | { readonly ok: false };

const NOT_JSON: JsonArgs = { ok: false };
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Deeper nesting than this is not a Dockerfile; Go's decoder stops at 10000.
const MAX_DEPTH = 512;

/**
 * Reads `ctx.text[start:end]` as BuildKit does for exec form: it must start
 * (after spaces) with `[` and the whole rest must decode as one JSON value
 * (Go's `json.Unmarshal`: only JSON whitespace may follow it), so
 * `RUN ["echo","hi"]this is invalid` is shell form. Invalid JSON is
 * `{ok: false}` (the caller falls back to shell form); a valid array with a
 * non-string element is an error.
 */
export function parseJsonArgs(ctx: LineCtx, start: number, end: number): JsonArgs {
  const from = skipGoSpace(ctx.text, start, end);
  if (ctx.text.charCodeAt(from) !== 0x5b || tooDeep(ctx.text, from, end)) return NOT_JSON;
  const src = ctx.text.slice(from, end);
  const lexed = jsonLexer.tokenize(src);
  jsonParser.input = lexed.tokens;
  const cst = jsonParser.value();
  // Any lexing or parsing error, including text after the value, means shell form.
  if (lexed.errors.length > 0 || jsonParser.errors.length > 0) return NOT_JSON;
  const elements = jsonVisitor.visit(cst) as ReturnType<typeof jsonVisitor.value>;
  if (elements === undefined) return NOT_JSON;
  const values: Word[] = [];
  for (const el of elements) {
    if (el.kind !== 'string') {
      throw new LineError('when using JSON array syntax, arrays must be comprised of strings only', from, end);
    }
    values.push(jsonWord(ctx, el.token, from));
  }
  return { ok: true, values };
}

function jsonWord(ctx: LineCtx, tok: IToken, base: number): Word {
  const value = (JSON.parse(tok.image) as string).replace(loneSurrogate, '\ufffd');
  const start = base + tok.startOffset;
  return { kind: 'word', value, range: ctx.range(start, start + tok.image.length) };
}

function tooDeep(text: string, start: number, end: number): boolean {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_DEPTH) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
