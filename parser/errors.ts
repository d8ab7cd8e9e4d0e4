import { KilnError } from '../util/errors.js';
import type { Range } from './types.js';

/**
 * A Dockerfile that cannot be parsed. Always carries the file name and the
 * source range at fault; `line:col` in the message is 1-based.
 */
export class DockerfileSyntaxError extends KilnError {
  readonly code = 'DOCKERFILE_SYNTAX';
  readonly filename: string;
  readonly range: Range;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(detail: string, filename: string, range: Range, options?: { cause?: unknown }) {
    super(`${filename}:${range.start.line}:${range.start.column}: ${detail}`, options);
    this.filename = filename;
    this.range = range;
    this.detail = detail;
  }
}

/**
 * An error raised while parsing one instruction line, before its location is
 * known; the caller turns it into a {@link DockerfileSyntaxError} with
 * {@link withLocation}. `start`/`end` are offsets in the instruction's logical line.
 */
export class LineError extends Error {
  readonly start: number | undefined;
  readonly end: number | undefined;
  constructor(message: string, start?: number, end?: number) {
    super(message);
    this.start = start;
    this.end = end;
  }
}

/** Gives `err` a location unless it already has one (an inner location wins). */
export function withLocation(err: unknown, filename: string, range: Range): DockerfileSyntaxError {
  if (err instanceof DockerfileSyntaxError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new DockerfileSyntaxError(detail, filename, range, { cause: err });
}
