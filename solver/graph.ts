/** Small graph helpers for the solver. */
import type { Digest } from '../util/digest.js';
import { InvalidArgumentError } from '../util/errors.js';
import { VertexError } from './errors.js';
import type { Edge, Result, Vertex, VertexRef } from './types.js';

/** Adds the digest of every vertex reachable from `roots` (themselves included) to `into`. */
export function markReachable(roots: Iterable<Vertex>, into: Set<Digest>): void {
  const stack = [...roots];
  const seen = new Set<Digest>();
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    if (seen.has(v.digest)) continue;
    seen.add(v.digest);
    into.add(v.digest);
    for (const e of v.inputs) stack.push(e.vertex);
  }
}

/** The result `edge` points at; a VertexError when the op produced fewer outputs. */
export function output(edge: Edge, results: readonly Result[]): Result {
  const r = results[edge.index];
  if (r === undefined) {
    const why = new InvalidArgumentError(`output ${edge.index} requested, but the op produced ${results.length}`);
    throw new VertexError(edge.vertex, why);
  }
  return r;
}

/** The plain `{digest, name}` of a vertex, safe to serialize (no op, no inputs). */
export function vertexRef(v: Vertex): VertexRef {
  return { digest: v.digest, name: v.name };
}
