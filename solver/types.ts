/**
 * The solver's vocabulary (BuildKit's solver/types.go): a build is a DAG of
 * {@link Vertex} nodes joined by {@link Edge}s; each vertex runs an {@link Op}
 * that turns input {@link Result}s into output results. The solver knows
 * nothing of Dockerfiles: ops, their definitions and their results are opaque.
 */
import type { Digest } from '../util/digest.js';
import type { ProgressWriter } from './progress.js';

/**
 * CacheKey identifies a vertex's work across processes and machines: sha256 of
 * its op's {@link CacheMap} digest and, per input, the input's cache key (or,
 * for a content-based input, a digest of the input's result) with its output
 * index and selector. Distinct from {@link Vertex.digest}, which only
 * deduplicates work within one run.
 */
export type CacheKey = Digest & { readonly __cacheKey: unique symbol };

/**
 * Result is one output of an op: a snapshot ref, a directory, anything. The
 * solver only reads `id` and calls `release()`.
 *
 * Lifecycle: an op's `exec` (or a {@link ResultLoader}) creates each result
 * holding one reference, and hands it to the solver, which owns it from then
 * on. Ops receive their inputs borrowed: they must not release them and must
 * not keep them after `exec` returns. The solver releases every result exactly
 * once: when a failed or cancelled solve cleans up, or on `Solver.close()`.
 */
export interface Result {
  /** Stable identity the cache index records; a {@link ResultLoader} turns it back into a result in a later process. */
  readonly id: string;
  /** Drops this reference. Called exactly once, by the owner. */
  release(): Promise<void>;
}

/** Output stream of a log line. */
export type LogStream = 'stdout' | 'stderr';

/** What an op's `cacheMap` and `exec` (and a dependency's `computeDigest`) get: bound to one vertex. */
export interface OpContext {
  /** The vertex the call is for. */
  readonly vertex: VertexRef;
  /** Aborted when the solve is cancelled or another vertex failed; the op must stop and clean up. */
  readonly signal: AbortSignal;
  /** The solve's progress writer. */
  readonly progress: ProgressWriter;
  /** Reports output of the vertex (bytes are decoded as UTF-8 across calls, so split characters survive). */
  log(stream: LogStream, data: string | Uint8Array): void;
}

/**
 * CacheMapDep says how one input enters the dependant's cache key. With
 * neither field the input's own cache key is used.
 */
export interface CacheMapDep {
  /** Narrows which part of the input matters (e.g. a path); mixed into the key. */
  readonly selector?: string;
  /**
   * Makes the dependency content-based: the digest of (the selected part of) the
   * input's result replaces the input's cache key, so an input rebuilt to the
   * same content still hits (COPY --from). Needs the input's result: the solver
   * loads or builds the input first. Runs in the bounded cache-map queue.
   */
  readonly computeDigest?: (input: Result, ctx: OpContext) => Promise<string>;
}

/** CacheMap is what an op contributes to its cache key (BuildKit's CacheMap). */
export interface CacheMap {
  /**
   * The op's own key material: its definition (minus what must not affect the
   * key, e.g. proxy build args) plus any content it reads from outside its
   * inputs (e.g. COPY's checksum of the context files it selects). Any stable
   * string; sha256 where the key may leave the machine.
   */
  readonly digest: string;
  /** One entry per input, in `Vertex.inputs` order; missing trailing entries mean `{}`. */
  readonly deps: readonly CacheMapDep[];
}

/** Op is the work of one vertex. */
export interface Op {
  /**
   * Computes the op's cache map. May read files (checksums) but must not
   * depend on input results; use {@link CacheMapDep.computeDigest} for that.
   * Called once per vertex per Solver (again only if a failed solve dropped the vertex).
   */
  cacheMap(ctx: OpContext): Promise<CacheMap>;
  /**
   * Does the work: one result per output (edges index into the array). Inputs
   * are borrowed; outputs are handed to the solver. On failure the op releases
   * what it created itself. When `ctx.signal` aborts it stops promptly.
   */
  exec(ctx: OpContext, inputs: readonly Result[]): Promise<Result[]>;
}

/** Per-vertex solver options. */
export interface VertexOptions {
  /** Never look this vertex up in the cache store (it is still recorded). */
  readonly ignoreCache?: boolean;
}

/** VertexRef is what progress events and errors say about a vertex. */
export interface VertexRef {
  /** See {@link Vertex.digest}. */
  readonly digest: Digest;
  /** Human name for progress, e.g. `[stage 2/5] RUN make`. */
  readonly name: string;
}

/**
 * Vertex is a node of the build graph. `digest` covers the op definition and
 * the inputs' digests and output indexes ({@link vertexDigest}); two vertices
 * with the same digest are the same work and run once per Solver.
 */
export interface Vertex extends VertexRef {
  readonly inputs: readonly Edge[];
  readonly op: Op;
  readonly options: VertexOptions;
}

/** Edge points at one output of a vertex. */
export interface Edge {
  readonly vertex: Vertex;
  /** Index into the vertex's `exec` results. */
  readonly index: number;
}

/**
 * ResultLoader turns a recorded result id back into a result (one new
 * reference, owned by the caller), or `undefined` when it is gone (e.g.
 * garbage-collected): the record is then a cache miss.
 */
export type ResultLoader = (id: string, signal?: AbortSignal) => Promise<Result | undefined>;
