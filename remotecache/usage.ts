/**
 * Which cache records a build used: the solver looks up every step's key
 * (`get`) and records every step it ran (`set`), so watching the cache index
 * tells the exporter exactly the build's steps, without the solver knowing.
 */

/** A cache record as the exporter needs it (structurally the solver's CacheRecord). */
export interface StepRecord {
  readonly key: string;
  /** Result ids: step snapshot keys, base image chain IDs, or '' for the empty rootfs. */
  readonly results: readonly string[];
  readonly createdAt: number;
}

/** The part of a cache index that import and usage tracking need (the solver's CacheStore has it). */
export interface StepIndex {
  get(key: string): Promise<StepRecord | undefined>;
  set(record: StepRecord): Promise<void>;
}

/** Collects the records a build looked up or wrote. */
export class CacheUsage {
  readonly #seen = new Map<string, StepRecord>();

  /**
   * `store` with `get` and `set` observed; every other member is the
   * store's own (bound to it, so private fields keep working).
   */
  track<T extends StepIndex>(store: T): T {
    const seen = this.#seen;
    const get = async (key: string): Promise<StepRecord | undefined> => {
      const r = await store.get(key);
      if (r !== undefined && !seen.has(r.key)) seen.set(r.key, r);
      return r;
    };
    const set = async (record: StepRecord): Promise<void> => {
      await store.set(record);
      seen.set(record.key, record);
    };
    return new Proxy(store, {
      get(target, prop) {
        if (prop === 'get') return get;
        if (prop === 'set') return set;
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  /** The records seen, sorted by key (a later write of a key replaces what a lookup saw). */
  records(): StepRecord[] {
    return [...this.#seen.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
