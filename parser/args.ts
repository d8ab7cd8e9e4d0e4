/**
 * Shapes an instruction's argument text by instruction, exactly as BuildKit's
 * line parsers do (the AST keeps words verbatim; nothing is expanded here).
 */
import { LineError } from './errors.js';
import { goQuote } from '../util/go-quote.js';
import { parseJsonArgs } from './json-args.js';
import type { LineCtx } from './line-ctx.js';
import type { Args, Instruction, JsonOrString, KeyValue, Word } from './types.js';
import { indexOfBlank, scanWordsKeepQuotes, skipBlank, splitBlank, splitWordsKeepQuotes, type RawWord } from './words.js';
import { isGoSpace, skipGoSpace } from '../util/space.js';

/** How the rest of the line is read, per instruction (BuildKit's dispatch table). */
const argForms = {
  add: 'jsonOrWords',
  arg: 'words',
  cmd: 'jsonOrString',
  copy: 'jsonOrWords',
  entrypoint: 'jsonOrString',
  env: 'keyValue',
  expose: 'blankWords',
  from: 'blankWords',
  healthcheck: 'healthcheck',
  label: 'keyValue',
  maintainer: 'string',
  onbuild: 'onbuild',
  run: 'jsonOrString',
  shell: 'jsonOrString',
  stopsignal: 'string',
  user: 'string',
  volume: 'jsonOrWords',
  workdir: 'string',
} as const;

type ArgForm = (typeof argForms)[keyof typeof argForms];

/** Parses a nested instruction (ONBUILD's argument); injected to avoid an import cycle. */
export type SubParser = (ctx: LineCtx, start: number, end: number) => Instruction;

/** The argument form used for instruction `name` (lowercase); unknown names are `ignored`. */
export function argFormOf(name: string): ArgForm | 'ignored' {
  return Object.hasOwn(argForms, name) ? argForms[name as keyof typeof argForms] : 'ignored';
}

/** Parses `ctx.text[start:end]` (already trimmed) as the arguments of `name`. */
export function parseArgs(name: string, ctx: LineCtx, start: number, end: number, sub: SubParser): Args {
  const form = argFormOf(name);
  switch (form) {
    case 'jsonOrWords': {
      const json = parseJsonArgs(ctx, start, end);
      return json.ok ? { form: 'json', values: json.values } : { form: 'words', values: splitBlank(ctx, start, end) };
    }
    case 'jsonOrString':
      return jsonOrString(ctx, start, end);
    case 'words':
      return { form: 'words', values: splitWordsKeepQuotes(ctx, start, end) };
    case 'blankWords':
      return { form: 'words', values: splitBlank(ctx, start, end) };
    case 'string':
      return { form: 'string', value: wholeWord(ctx, start, end) };
    case 'keyValue':
      return { form: 'keyValue', pairs: parseKeyValues(name.toUpperCase(), ctx, start, end) };
    case 'healthcheck':
      return parseHealthcheck(ctx, start, end);
    case 'onbuild':
      return { form: 'onbuild', instruction: start < end ? sub(ctx, start, end) : null };
    case 'ignored':
      return { form: 'ignored' };
    default: {
      const never: never = form;
      throw new Error(`internal: unhandled argument form ${String(never)}`);
    }
  }
}

function wholeWord(ctx: LineCtx, start: number, end: number): Word | null {
  return start < end ? { kind: 'word', value: ctx.text.slice(start, end), range: ctx.range(start, end) } : null;
}

function jsonOrString(ctx: LineCtx, start: number, end: number): JsonOrString {
  if (start >= end) return { form: 'string', value: null };
  const json = parseJsonArgs(ctx, start, end);
  return json.ok ? { form: 'json', values: json.values } : { form: 'string', value: wholeWord(ctx, start, end) };
}

function parseHealthcheck(ctx: LineCtx, start: number, end: number): Args {
  let sep = start;
  while (sep < end && !isGoSpace(ctx.text.charCodeAt(sep))) sep++;
  if (sep === start) return { form: 'healthcheck', type: null, command: null };
  const next = skipGoSpace(ctx.text, sep, end);
  const command = jsonOrString(ctx, next, end);
  const empty = command.form === 'string' && command.value === null;
  return { form: 'healthcheck', type: wholeWord(ctx, start, sep), command: empty ? null : command };
}

/** ENV and LABEL: `KEY value` (legacy) or `KEY=value ...`. */
function parseKeyValues(keyword: string, ctx: LineCtx, start: number, end: number): KeyValue[] {
  const words = scanWordsKeepQuotes(ctx, start, end);
  const first = words[0];
  if (first === undefined) return [];
  if (!first.value.includes('=')) {
    const keyEnd = indexOfBlank(ctx.text, start, end);
    const valueStart = skipBlank(ctx.text, keyEnd, end);
    if (keyEnd === end) throw new LineError(`${keyword} must have two arguments`, start, end);
    const key = wholeWord(ctx, start, keyEnd);
    const value: Word = { kind: 'word', value: ctx.text.slice(valueStart, end), range: ctx.range(valueStart, end) };
    return key === null ? [] : [{ kind: 'keyValue', key, value, legacy: true, range: ctx.range(start, end) }];
  }
  return words.map((w) => splitPair(ctx, w));
}

function splitPair(ctx: LineCtx, w: RawWord): KeyValue {
  const eq = w.value.indexOf('=');
  if (eq < 0) {
    const msg = `Syntax error - can't find = in ${goQuote(w.value)}. Must be of the form: name=value`;
    throw new LineError(msg, w.start, w.end);
  }
  // A kept-quotes word is its raw text (but for a dropped final escape), so
  // offsets into the value are offsets into the line.
  const key: Word = { kind: 'word', value: w.value.slice(0, eq), range: ctx.range(w.start, w.start + eq) };
  const value: Word = { kind: 'word', value: w.value.slice(eq + 1), range: ctx.range(w.start + eq + 1, w.end) };
  return { kind: 'keyValue', key, value, legacy: false, range: ctx.range(w.start, w.end) };
}
