/**
 * The per-vertex algorithm behind {@link Solver} (internal). For a vertex:
 * cache key (its op's cache map plus its inputs' keys, computed without
 * running anything unless a dependency is content-based) → lookup → on a hit,
 * load and stop (its inputs are never built for it); on a miss, build the
 * inputs, exec the op in an exec slot, record the key.
 *
 * Every piece of work (cache map, key, build) runs in a single-flight per
 * vertex digest whose signal aborts only when everything waiting for it has
 * gone. A failed vertex aborts its siblings through the fan-out that waits
 * for them, before its exec slot is handed on.
 */
import type PQueue from 'p-queue';
import type { Digest } from '../util/digest.js';
import { InvalidArgumentError } from '../util/errors.js';
import { SingleFlight, type PendingFlight } from '../util/single-flight.js';
import { releaseAll, type CacheRecord, type CacheStore } from './cache-store.js';
import { CanceledError, VertexError } from './errors.js';
import { output, vertexRef } from './graph.js';
import { vertexLogger, type ProgressEvent, type ProgressWriter } from './progress.js';
import { linkedController, runInSlot } from './slot.js';
import type { CacheKey, CacheMap, CacheMapDep, Edge, OpContext, Result, Vertex, VertexRef } from './types.js';
import { cacheKey, type CacheKeyDep } from './vertex.js';

/** What the builder knows about one vertex (by digest) within a Solver. */
export interface VertexState {
  readonly vertex: Vertex;
  readonly ref: VertexRef;
  cacheMap?: CacheMap;
  key?: CacheKey;
  /** The store's record for `key`: looked up with the key (null when there is none), or written when the vertex ran. */
  record?: CacheRecord | null;
  /** Owned by the solver from the moment they exist. */
  results?: readonly Result[];
  /** `vertex.started` or `vertex.cached` was emitted. */
  reported?: boolean;
}

/** The context a piece of work runs in. */
export interface Ctx {
  readonly signal: AbortSignal;
  readonly noCache: boolean;
  /**
   * Reports that this work failed (before its slot is handed on): aborts its
   * siblings at once and up the chain of dependants, which will fail too, and
   * makes `err` the error they report rather than their own cancellation.
   */
  readonly failFast: (err: VertexError) => void;
}

/** What a {@link Builder} works with. */
export interface BuilderDeps {
  readonly cache: CacheStore;
  readonly progress: ProgressWriter;
  readonly execQueue: PQueue;
  readonly mapQueue: PQueue;
}

/** Builds vertices; holds their states (and so their results) until told to forget them. */
export class Builder {
  readonly states = new Map<Digest, VertexState>();
  readonly #deps: BuilderDeps;
  readonly #maps = new SingleFlight<Digest, CacheMap>();
  readonly #keys = new SingleFlight<Digest, CacheKey>();
  readonly #builds = new SingleFlight<Digest, readonly Result[]>();

  constructor(deps: BuilderDeps) {
    this.#deps = deps;
  }

  /** The results of `vertex`: memoized, loaded from the cache store, or built. */
  results(vertex: Vertex, ctx: Ctx): Promise<readonly Result[]> {
    const state = this.#state(vertex);
    if (state.results) return Promise.resolve(state.results);
    return this.#builds.do(vertex.digest, (signal) => this.#build(state, { ...ctx, signal }), ctx.signal);
  }

  /** Every piece of work still running (aborted or not). */
  pending(): PendingFlight[] {
    return [...this.#maps.pending(), ...this.#keys.pending(), ...this.#builds.pending()];
  }

  #state(vertex: Vertex): VertexState {
    let s = this.states.get(vertex.digest);
    if (s === undefined) this.states.set(vertex.digest, (s = { vertex, ref: vertexRef(vertex) }));
    return s;
  }

  async #build(state: VertexState, ctx: Ctx): Promise<readonly Result[]> {
    if (state.results) return state.results;
    const key = await this.#key(state, ctx);
    const hit = await this.#lookup(state, key, ctx);
    if (hit) return hit;
    const inputs = await fanOut(ctx, state.vertex.inputs, async (e, c) => output(e, await this.results(e.vertex, c)));
    return this.#exec(state, key, inputs, ctx);
  }

  #key(state: VertexState, ctx: Ctx): Promise<CacheKey> {
    if (state.key) return Promise.resolve(state.key);
    const compute = async (signal: AbortSignal): Promise<CacheKey> => {
      const c = { ...ctx, signal };
      const map = await this.#cacheMap(state, c);
      const deps = state.vertex.inputs.map((edge, i) => ({ edge, dep: map.deps[i] ?? {} }));
      const key = cacheKey(map.digest, await fanOut(c, deps, (d, cc) => this.#depKey(state, d.edge, d.dep, cc)));
      if (lookupsOn(state, c)) state.record = (await this.#guard(state, c, undefined, () => this.#deps.cache.get(key))) ?? null;
      return (state.key = key);
    };
    return this.#keys.do(state.vertex.digest, compute, ctx.signal);
  }

  #cacheMap(state: VertexState, ctx: Ctx): Promise<CacheMap> {
    if (state.cacheMap) return Promise.resolve(state.cacheMap);
    const { op, inputs } = state.vertex;
    const compute = (signal: AbortSignal): Promise<CacheMap> =>
      runInSlot(this.#deps.mapQueue, signal, () =>
        this.#guard(state, { ...ctx, signal }, undefined, async () => {
          const map = await this.#withOpContext(state, signal, (c) => op.cacheMap(c));
          if (map.deps.length > inputs.length) throw new InvalidArgumentError(`cache map has ${map.deps.length} deps for ${inputs.length} inputs`);
          return (state.cacheMap = map);
        }),
      );
    return this.#maps.do(state.vertex.digest, compute, ctx.signal);
  }

  async #depKey(state: VertexState, edge: Edge, dep: CacheMapDep, ctx: Ctx): Promise<CacheKeyDep> {
    const selector = dep.selector ?? '';
    const { computeDigest } = dep;
    if (computeDigest === undefined) return { kind: 'key', key: await this.#key(this.#state(edge.vertex), ctx), index: edge.index, selector };
    const input = output(edge, await this.results(edge.vertex, ctx));
    const digest = await runInSlot(this.#deps.mapQueue, ctx.signal, () =>
      this.#guard(state, ctx, undefined, () => this.#withOpContext(state, ctx.signal, (c) => computeDigest(input, c))),
    );
    return { kind: 'content', digest, selector };
  }

  /** The vertex's results from the cache store, or undefined on a miss (or when lookups are off). */
  async #lookup(state: VertexState, key: CacheKey, ctx: Ctx): Promise<readonly Result[] | undefined> {
    if (!lookupsOn(state, ctx)) return undefined;
    const { cache } = this.#deps;
    return this.#guard(state, ctx, undefined, async () => {
      const record = state.record === undefined ? (state.record = (await cache.get(key)) ?? null) : state.record;
      const loaded = record ? await cache.load(record, ctx.signal) : undefined;
      if (loaded === undefined) return undefined;
      const results = await adopt(state, loaded);
      this.#reportHit(state);
      return results;
    });
  }

  #exec(state: VertexState, key: CacheKey, inputs: readonly Result[], ctx: Ctx): Promise<readonly Result[]> {
    const { signal } = ctx;
    let started: number | undefined;
    // The guard runs inside the slot, so a failure aborts the siblings before the next queued op may start.
    return runInSlot(this.#deps.execQueue, signal, () =>
      this.#guard(state, ctx, () => started, async () => {
        started = Date.now();
        state.reported = true;
        this.#emit({ type: 'vertex.started', vertex: state.ref, time: started });
        const produced = await this.#withOpContext(state, signal, (c) => state.vertex.op.exec(c, inputs));
        const results = await adopt(state, produced);
        signal.throwIfAborted(); // adopted results are released by the clean-up
        const record = { key, results: results.map((r) => r.id), createdAt: Date.now() };
        await this.#deps.cache.set(record);
        state.record = record;
        const time = Date.now();
        this.#emit({ type: 'vertex.completed', vertex: state.ref, time, durationMs: time - started });
        return results;
      }),
    );
  }

  /**
   * Emits `vertex.cached` for a hit and, first, for its ancestors that have a
   * record of their own and were not reported: they are skipped because of
   * the hit, and a rebuild should show every step CACHED, as docker does.
   */
  #reportHit(hit: VertexState): void {
    const seen = new Set<Digest>();
    const visit = (s: VertexState): void => {
      if (seen.has(s.vertex.digest)) return;
      seen.add(s.vertex.digest);
      for (const e of s.vertex.inputs) {
        const input = this.states.get(e.vertex.digest);
        if (input) visit(input);
      }
      if (s.reported !== true && (s === hit || s.record)) {
        s.reported = true;
        this.#emit({ type: 'vertex.cached', vertex: s.ref, time: Date.now() });
      }
    };
    visit(hit);
  }

  /**
   * Runs a vertex's own work. Its failure becomes a VertexError (and a
   * `vertex.error` event, and its siblings are aborted) unless the signal
   * aborted: then it is a cancellation (`vertex.canceled` if it had started),
   * rethrown as the signal's reason.
   */
  async #guard<T>(state: VertexState, ctx: Ctx, started: (() => number | undefined) | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof VertexError) throw err;
      const since = started?.();
      const time = Date.now();
      if (ctx.signal.aborted) {
        if (since !== undefined) this.#emit({ type: 'vertex.canceled', vertex: state.ref, time, durationMs: time - since });
        throw ctx.signal.reason;
      }
      const message = err instanceof Error ? err.message : String(err);
      this.#emit({ type: 'vertex.error', vertex: state.ref, time, durationMs: since === undefined ? 0 : time - since, message });
      const failure = new VertexError(state.vertex, err);
      ctx.failFast(failure);
      throw failure;
    }
  }

  async #withOpContext<T>(state: VertexState, signal: AbortSignal, fn: (ctx: OpContext) => Promise<T>): Promise<T> {
    const logger = vertexLogger(state.ref, this.#deps.progress);
    try {
      return await fn({ vertex: state.ref, signal, progress: this.#deps.progress, log: logger.log });
    } finally {
      logger.flush();
    }
  }

  #emit(ev: ProgressEvent): void {
    this.#deps.progress.write(ev);
  }
}

function lookupsOn(state: VertexState, ctx: Ctx): boolean {
  return !ctx.noCache && state.vertex.options.ignoreCache !== true;
}

/** Makes `results` the state's; if it has some already (a replaced flight finished too), drops the newcomers. */
async function adopt(state: VertexState, results: readonly Result[]): Promise<readonly Result[]> {
  if (state.results === undefined) return (state.results = results);
  await releaseAll(results);
  return state.results;
}

/**
 * Runs `fn` per item under a signal of their own; the first failure aborts the
 * rest and is what the fan-out rejects with (not the cancellations it caused).
 */
async function fanOut<T, U>(ctx: Ctx, items: readonly T[], fn: (item: T, ctx: Ctx) => Promise<U>): Promise<U[]> {
  const { controller, dispose } = linkedController(ctx.signal);
  let failure: VertexError | undefined;
  const abort = (): void => controller.abort(new CanceledError('canceled: another step failed'));
  const failFast = (err: VertexError): void => {
    if (failure !== undefined) return;
    failure = err;
    abort();
    ctx.failFast(err);
  };
  try {
    return await Promise.all(items.map((item) => fn(item, { signal: controller.signal, noCache: ctx.noCache, failFast })));
  } catch (err) {
    abort();
    throw failure ?? err;
  } finally {
    dispose();
  }
}
