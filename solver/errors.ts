/**
 * The solver's errors. A solve rejects with exactly one of these: the first
 * vertex that failed on its own, or the cancellation.
 */
import { KilnError } from '../util/errors.js';
import type { Vertex } from './types.js';

/**
 * VertexError says which vertex failed; `cause` holds why (an ExitError, a
 * NotFoundError, …). `vertex` is the whole vertex, so a frontend can map it
 * back to its Dockerfile range (e.g. through its op object) for a code frame.
 */
export class VertexError extends KilnError {
  readonly code = 'VERTEX';
  readonly vertex: Vertex;
  constructor(vertex: Vertex, cause: unknown) {
    super(`${vertex.name}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.vertex = vertex;
  }
}

/** CanceledError: the caller aborted the solve (Ctrl-C); `cause` is the signal's reason. */
export class CanceledError extends KilnError {
  readonly code = 'CANCELED';
  constructor(message = 'build canceled', options?: { cause?: unknown }) {
    super(message, options);
  }
}
