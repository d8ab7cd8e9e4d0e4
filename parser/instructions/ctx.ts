/**
 * Shared plumbing of the instruction parsers: the instruction being read, how
 * an error gets its source range, and whether a value is final as written.
 */
import { DockerfileSyntaxError } from '../errors.js';
import type { Instruction, Range } from '../types.js';

/** The instruction being turned into a command, and the file it is in. */
export interface Ctx {
  readonly inst: Instruction;
  readonly filename: string;
}

/**
 * An invalid value found by a helper that does not know where the value is
 * (a duration, a mount spec, a port). Never leaves this folder: {@link at}
 * turns it into a {@link DockerfileSyntaxError} with the value's range.
 */
export class SpecError extends Error {}

/** Throws a {@link DockerfileSyntaxError}; the range defaults to the whole instruction. */
export function fail(ctx: Ctx, detail: string, range: Range = ctx.inst.range): never {
  throw new DockerfileSyntaxError(detail, ctx.filename, range);
}

/** Runs `fn`, giving any {@link SpecError} it throws the source `range` in `where.filename`. */
export function at<T>(where: { readonly filename: string }, range: Range, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SpecError) throw new DockerfileSyntaxError(err.message, where.filename, range, { cause: err });
    throw err;
  }
}

/**
 * True when variable expansion cannot change `text`: it has no `$`, no quote
 * and no escape character (either escape token), so it can be checked now.
 */
export function isLiteral(text: string): boolean {
  return !/[$'"\\`]/.test(text);
}

/** The keyword in BuildKit's spelling for messages (`COPY`, `ENV`, ...). */
export function keywordOf(ctx: Ctx): string {
  return ctx.inst.name.toUpperCase();
}

/** An internal invariant failed: the syntax tree does not have the expected form. */
export function internal(ctx: Ctx, what: string): never {
  throw new Error(`internal: ${ctx.inst.name}: unexpected ${what}`);
}
