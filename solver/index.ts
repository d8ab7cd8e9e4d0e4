/**
 * The generic DAG solver (see DESIGN.md, solver/): vertices, edges, ops,
 * cache keys, cache stores, progress events. It knows nothing of Dockerfiles.
 */
export { Solver, type Solved, type SolveOptions, type SolverOptions } from './solver.js';
export type { CacheKey, CacheMap, CacheMapDep, Edge, LogStream, Op, OpContext, Result, ResultLoader, Vertex, VertexOptions, VertexRef } from './types.js';
export { canonicalJson, createVertex, vertexDigest, type JsonValue, type VertexInit } from './vertex.js';
export { MemoryCacheStore, type CacheRecord, type CacheStore } from './cache-store.js';
export { JsonFileCacheStore } from './json-cache-store.js';
export { CanceledError, VertexError } from './errors.js';
export { discardProgress } from './progress.js';
export type {
  ProgressEvent,
  ProgressWriter,
  VertexCachedEvent,
  VertexCanceledEvent,
  VertexCompletedEvent,
  VertexErrorEvent,
  VertexLogEvent,
  VertexStartedEvent,
} from './progress.js';
