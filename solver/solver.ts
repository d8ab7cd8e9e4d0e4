/**
 * The solver: turns an edge of a vertex DAG into its result, running each
 * vertex at most once per Solver, skipping what the cache store already has,
 * and running independent vertices at the same time within bounded queues
 * (one p-queue of exec slots, one for cache maps and content digests). The
 * per-vertex algorithm is in builder.ts; this file owns solves: their
 * cancellation, clean-up and the lifetime of results.
 */
import { availableParallelism } from 'node:os';
import PQueue from 'p-queue';
import type { Digest } from '../util/digest.js';
import { FailedPreconditionError, InvalidArgumentError } from '../util/errors.js';
import { Builder } from './builder.js';
import { releaseAll, type CacheRecord, type CacheStore } from './cache-store.js';
import { CanceledError, type VertexError } from './errors.js';
import { markReachable, output } from './graph.js';
import { discardProgress, type ProgressWriter } from './progress.js';
import { linkedController } from './slot.js';
import type { Edge, Result, Vertex } from './types.js';

/** Options of a {@link Solver}. */
export interface SolverOptions {
  /** The cache index: looked up before running a vertex, written after. */
  readonly cache: CacheStore;
  /** Ops running at once. @default os.availableParallelism() */
  readonly concurrency?: number;
  /** Cache maps and content digests computed at once (file hashing). @default concurrency */
  readonly cacheMapConcurrency?: number;
  /** Where progress events go. @default discard */
  readonly progress?: ProgressWriter;
}

/** What a solve gives: its result (borrowed, see {@link Solver}) and the cache records of the steps it reached. */
export interface Solved {
  readonly result: Result;
  readonly records: readonly CacheRecord[];
  /**
   * The id of `edge`'s result in this solve, without loading it: the result
   * the Solver holds, else the one the vertex's cache record names (an
   * ancestor of a cache hit is looked up, never loaded). Undefined for a
   * vertex the solve did not reach, or one with neither. Valid until {@link Solver.close}.
   */
  resultId(edge: Edge): string | undefined;
}

/** Options of one {@link Solver.solve}. */
export interface SolveOptions {
  /** Aborting it cancels the solve (Ctrl-C): the solve rejects with CanceledError after cleaning up. */
  readonly signal?: AbortSignal;
  /** Do not look anything up in the cache store (results are still recorded). Results this Solver already holds are still reused. */
  readonly noCache?: boolean;
}

/**
 * Solver solves edges of a vertex graph.
 *
 * Result lifecycle: the Solver owns every result it produces or loads. The
 * result `solve` returns is borrowed: valid until {@link Solver.close}, not to
 * be released by the caller (take your own reference through the result's
 * own store if it must outlive the Solver). A later `solve` reuses what an
 * earlier successful one built. A failed or cancelled solve releases the
 * results that no successful or running solve needs before it rejects.
 * `close` releases everything; call it once all solves have settled.
 */
export class Solver {
  readonly #builder: Builder;
  /** Roots of the solves in progress (their graphs are not swept). */
  readonly #active = new Set<{ readonly vertex: Vertex }>();
  /** Digests of the vertices in the graph of a solve that succeeded (kept until close). */
  readonly #retained = new Set<Digest>();

  constructor(options: SolverOptions) {
    const concurrency = checkConcurrency('concurrency', options.concurrency ?? availableParallelism());
    const mapConcurrency = checkConcurrency('cacheMapConcurrency', options.cacheMapConcurrency ?? concurrency);
    this.#builder = new Builder({
      cache: options.cache,
      progress: options.progress ?? discardProgress,
      execQueue: new PQueue({ concurrency }),
      mapQueue: new PQueue({ concurrency: mapConcurrency }),
    });
  }

  /**
   * Solves `edge`: resolves with its result (borrowed, see {@link Solver}), or
   * rejects with the VertexError of the first vertex that failed, or with a
   * CanceledError when `options.signal` aborted. When it rejects, nothing it
   * started runs any more and the results only it needed are released.
   */
  async solve(edge: Edge, options: SolveOptions = {}): Promise<Solved> {
    const caller = options.signal;
    if (caller?.aborted) throw new CanceledError('build canceled', { cause: caller.reason });
    const job = caller ? linkedController(caller) : { controller: new AbortController(), dispose: () => {} };
    const abort = (): void => job.controller.abort(new CanceledError('canceled: another step failed'));
    let failure: VertexError | undefined;
    const failFast = (err: VertexError): void => {
      failure ??= err;
      abort();
    };
    const root = { vertex: edge.vertex };
    this.#active.add(root);
    try {
      const results = await this.#builder.results(edge.vertex, { signal: job.controller.signal, noCache: options.noCache ?? false, failFast });
      const result = output(edge, results);
      markReachable([edge.vertex], this.#retained);
      return { result, records: this.#records(edge.vertex), resultId: (e) => this.#resultId(e) };
    } catch (err) {
      abort();
      await this.#drain();
      this.#active.delete(root);
      await this.#sweep();
      if (caller?.aborted) throw new CanceledError('build canceled', { cause: caller.reason });
      throw failure ?? err;
    } finally {
      this.#active.delete(root);
      job.dispose();
    }
  }

  /** The cache records of the vertices `top` reaches (looked up or written), by key: what a cache export needs. */
  #records(top: Vertex): CacheRecord[] {
    const seen = new Set<string>();
    const out = new Map<string, CacheRecord>();
    const visit = (v: Vertex): void => {
      if (seen.has(v.digest)) return;
      seen.add(v.digest);
      const rec = this.#builder.states.get(v.digest)?.record;
      if (rec) out.set(rec.key, rec);
      for (const e of v.inputs) visit(e.vertex);
    };
    visit(top);
    return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  #resultId(e: Edge): string | undefined {
    const state = this.#builder.states.get(e.vertex.digest);
    return state?.results?.[e.index]?.id ?? state?.record?.results[e.index];
  }

  /** Releases every result the Solver holds and forgets them. Not while a solve runs. */
  async close(): Promise<void> {
    if (this.#active.size > 0) throw new FailedPreconditionError(`solver: close() called while ${this.#active.size} solve(s) run`);
    const results = [...this.#builder.states.values()].flatMap((s) => s.results ?? []);
    this.#builder.states.clear();
    this.#retained.clear();
    await releaseAll(results);
  }

  /** Waits until every aborted piece of work has really stopped (ops return only once they have cleaned up). */
  async #drain(): Promise<void> {
    for (;;) {
      const stopping = this.#builder.pending().filter((f) => f.signal.aborted);
      if (stopping.length === 0) return;
      await Promise.all(stopping.map((f) => f.done));
    }
  }

  /** Releases and forgets the vertex states that no running and no successful solve reaches. */
  async #sweep(): Promise<void> {
    const keep = new Set(this.#retained);
    markReachable([...this.#active].map((r) => r.vertex), keep);
    const { states } = this.#builder;
    const dropped = [...states.values()].filter((s) => !keep.has(s.vertex.digest));
    for (const s of dropped) states.delete(s.vertex.digest);
    // A release failure must not replace the build's own error, which the caller is about to get.
    await releaseAll(dropped.flatMap((s) => s.results ?? [])).catch(() => {});
  }
}

function checkConcurrency(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`solver ${name}: expected an integer ≥ 1, got ${n}`);
  return n;
}
