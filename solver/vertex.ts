/**
 * Vertex digests and cache keys: sha256 over canonical JSON (object keys
 * sorted, no whitespace), so the same definition gives the same digest in
 * every process and on every machine.
 */
import { sha256, type Digest } from '../util/digest.js';
import { InvalidArgumentError } from '../util/errors.js';
import type { CacheKey, Edge, Op, Vertex, VertexOptions } from './types.js';

/** A JSON value, the shape of an op definition. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Serializes `value` with sorted object keys; rejects non-finite numbers (JSON has none). */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidArgumentError(`canonical json: expected a finite number, got ${value}`);
    return JSON.stringify(value);
  }
  if (isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // Like JSON.stringify, an undefined member is left out rather than written.
  const entries = Object.keys(value)
    .sort()
    .flatMap((k) => (value[k] === undefined ? [] : [`${JSON.stringify(k)}:${canonicalJson(value[k])}`]));
  return `{${entries.join(',')}}`;
}

function isArray(v: JsonValue): v is readonly JsonValue[] {
  return Array.isArray(v);
}

/** The digest of a vertex: its op definition plus each input's vertex digest and output index. */
export function vertexDigest(opDef: JsonValue, inputs: readonly Edge[]): Digest {
  return sha256(canonicalJson({ op: opDef, inputs: inputs.map((e) => [e.vertex.digest, e.index]) }));
}

/** What {@link createVertex} needs. */
export interface VertexInit {
  readonly name: string;
  readonly op: Op;
  /** The op's definition: everything that makes its work what it is. Hashed into the vertex digest. */
  readonly def: JsonValue;
  readonly inputs?: readonly Edge[];
  readonly options?: VertexOptions;
}

/** Makes a vertex, computing its digest with {@link vertexDigest}. */
export function createVertex(init: VertexInit): Vertex {
  const inputs = init.inputs ?? [];
  for (const e of inputs) {
    if (!Number.isInteger(e.index) || e.index < 0) {
      throw new InvalidArgumentError(`vertex ${JSON.stringify(init.name)}: input edge index must be an integer ≥ 0, got ${e.index}`);
    }
  }
  return { digest: vertexDigest(init.def, inputs), name: init.name, op: init.op, inputs, options: init.options ?? {} };
}

/** One input's contribution to a cache key. */
export type CacheKeyDep =
  | { readonly kind: 'key'; readonly key: CacheKey; readonly index: number; readonly selector: string }
  | { readonly kind: 'content'; readonly digest: string; readonly selector: string };

/** The cache key of a vertex from its cache map digest and its inputs' contributions. */
export function cacheKey(mapDigest: string, deps: readonly CacheKeyDep[]): CacheKey {
  const parts = deps.map((d): JsonValue =>
    d.kind === 'key' ? { key: d.key, index: d.index, selector: d.selector } : { content: d.digest, selector: d.selector },
  );
  return sha256(canonicalJson({ v: 1, digest: mapDigest, deps: parts })) as CacheKey;
}
