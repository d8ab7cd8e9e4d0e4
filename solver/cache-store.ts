/**
 * The cache index: cache key → the ids of the results a vertex produced, plus
 * the loader that turns ids back into results. Implementations: an in-memory
 * one here, a JSON-file one in json-cache-store.ts; both pass
 * cache-store.testsuite.ts.
 */
import type { CacheKey, Result, ResultLoader } from './types.js';

/** What the index keeps for one cache key. */
export interface CacheRecord {
  readonly key: CacheKey;
  /** One result id per op output, in output order. */
  readonly results: readonly string[];
  /** When the record was written (epoch ms). */
  readonly createdAt: number;
}

/**
 * CacheStore persists cache records. Writes replace the whole record for a
 * key (last writer wins) and are durable when `set` resolves. Records are
 * hints: one whose results are gone loads as `undefined`, a miss.
 */
export interface CacheStore {
  /** The record for `key`, or undefined. A damaged record reads as undefined. */
  get(key: CacheKey): Promise<CacheRecord | undefined>;
  /** Writes (replaces) the record for `record.key`. */
  set(record: CacheRecord): Promise<void>;
  /** Removes the record for `key`, if any. */
  delete(key: CacheKey): Promise<void>;
  /** Every readable record (for GC roots and pruning). */
  list(): Promise<CacheRecord[]>;
  /**
   * Loads the record's results, each a new reference the caller owns and must
   * release; `undefined` when any of them is gone (those loaded are released).
   */
  load(record: CacheRecord, signal?: AbortSignal): Promise<Result[] | undefined>;
}

/** Loads every id in order; all or nothing (see {@link CacheStore.load}). */
export async function loadResults(loader: ResultLoader, ids: readonly string[], signal?: AbortSignal): Promise<Result[] | undefined> {
  const out: Result[] = [];
  try {
    for (const id of ids) {
      const r = await loader(id, signal);
      if (r === undefined) {
        await releaseAll(out);
        return undefined;
      }
      out.push(r);
    }
  } catch (err) {
    await releaseAll(out);
    throw err;
  }
  return out;
}

/** Releases each result once, all of them even if one fails; rethrows the first failure. */
export async function releaseAll(results: readonly Result[]): Promise<void> {
  let first: { err: unknown } | undefined;
  for (const r of results) {
    try {
      await r.release();
    } catch (err) {
      first ??= { err };
    }
  }
  if (first) throw first.err;
}

/** An in-process cache store: for tests, and for builds that must not persist anything. */
export class MemoryCacheStore implements CacheStore {
  readonly #records = new Map<CacheKey, CacheRecord>();
  readonly #loader: ResultLoader;

  constructor(loader: ResultLoader) {
    this.#loader = loader;
  }

  async get(key: CacheKey): Promise<CacheRecord | undefined> {
    return this.#records.get(key);
  }

  async set(record: CacheRecord): Promise<void> {
    this.#records.set(record.key, { key: record.key, results: [...record.results], createdAt: record.createdAt });
  }

  async delete(key: CacheKey): Promise<void> {
    this.#records.delete(key);
  }

  async list(): Promise<CacheRecord[]> {
    return [...this.#records.values()];
  }

  load(record: CacheRecord, signal?: AbortSignal): Promise<Result[] | undefined> {
    return loadResults(this.#loader, record.results, signal);
  }
}
