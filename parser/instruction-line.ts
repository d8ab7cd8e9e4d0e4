import { parseArgs } from './args.js';
import { LineError } from './errors.js';
import { instructionParser, instructionVisitor } from './grammar.js';
import type { LineCtx } from './line-ctx.js';
import { instructionLexer } from './tokens.js';
import type { Flag, Instruction } from './types.js';
import { skipGoSpace, trimGoSpaceEnd } from '../util/space.js';

/**
 * Parses one logical instruction line `ctx.text[start:end]` into an
 * {@link Instruction} without heredocs or comments (the caller adds those).
 * Throws {@link LineError} on bad arguments.
 */
export function parseInstructionLine(ctx: LineCtx, start: number, end: number): Instruction {
  if (depth >= MAX_NESTING) throw new LineError(`ONBUILD nested more than ${MAX_NESTING} levels deep`, start, end);
  depth++;
  try {
    return parseLine(ctx, start, end);
  } finally {
    depth--;
  }
}

// ONBUILD nests instructions; BuildKit rejects chains later, kiln bounds the recursion here.
const MAX_NESTING = 64;
let depth = 0;

function parseLine(ctx: LineCtx, start: number, end: number): Instruction {
  const s = skipGoSpace(ctx.text, start, end);
  const e = trimGoSpaceEnd(ctx.text, s, end);
  const base = { kind: 'instruction' as const, heredocs: [], comments: [], original: ctx.text.slice(start, end) };
  if (s === e) {
    // A logical line made only of continuation characters: BuildKit keeps it
    // as an instruction with an empty name.
    const r = ctx.range(s, s);
    return { ...base, keyword: '', name: '', keywordRange: r, flags: [], args: { form: 'ignored' }, range: r };
  }
  const lexed = instructionLexer.tokenize(ctx.text.slice(s, e));
  if (lexed.errors.length > 0) throw new LineError(`internal: cannot tokenize instruction: ${lexed.errors[0]?.message}`, s, e);
  instructionParser.input = lexed.tokens;
  const cst = instructionParser.instruction();
  const err = instructionParser.errors[0];
  if (err !== undefined) throw new LineError(`internal: cannot parse instruction: ${err.message}`, s, e);
  const parts = instructionVisitor.visit(cst) as ReturnType<typeof instructionVisitor.instruction>;
  const keyword = parts.keyword.image;
  const name = keyword.toLowerCase();
  const flags = parts.flags.map((tok): Flag => {
    const raw = String(tok.payload);
    const eq = raw.indexOf('=');
    const at = s + tok.startOffset;
    return {
      kind: 'flag',
      raw,
      name: eq < 0 ? raw.slice(2) : raw.slice(2, eq),
      value: eq < 0 ? null : raw.slice(eq + 1),
      range: ctx.range(at, at + tok.image.length),
    };
  });
  const restStart = parts.rest === undefined ? e : skipGoSpace(ctx.text, s + parts.rest.startOffset, e);
  const args = parseArgs(name, ctx, restStart, e, parseInstructionLine);
  return {
    ...base,
    keyword,
    name,
    keywordRange: ctx.range(s, s + keyword.length),
    flags,
    args,
    range: ctx.range(s, e),
  };
}
