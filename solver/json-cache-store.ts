/**
 * A cache store persisted as one small JSON file per cache key,
 * `<dir>/<key hex>.json`, each replaced atomically (temp + fsync + rename).
 * Processes sharing the directory need no lock: a reader sees a whole old
 * record or a whole new one, and the last writer of a key wins. A file that
 * does not parse as a record (a torn write from a crash, garbage) is a miss and
 * is overwritten by the next build of that key.
 */
import { mkdir, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { digestHex, isDigest } from '../util/digest.js';
import { loadResults, type CacheRecord, type CacheStore } from './cache-store.js';
import type { CacheKey, Result, ResultLoader } from './types.js';
import { ifExists } from '../util/if-exists.js';

const FORMAT = 1;
const fileRe = /^([a-f0-9]{64})\.json$/;

/** Cache index under a directory (created on first write). */
export class JsonFileCacheStore implements CacheStore {
  readonly #dir: string;
  readonly #loader: ResultLoader;

  constructor(dir: string, loader: ResultLoader) {
    this.#dir = dir;
    this.#loader = loader;
  }

  async get(key: CacheKey): Promise<CacheRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return parseRecord(text, key);
  }

  async set(record: CacheRecord): Promise<void> {
    const body = { format: FORMAT, key: record.key, results: record.results, createdAt: record.createdAt };
    const write = (): Promise<void> => writeFileAtomic(this.#path(record.key), `${JSON.stringify(body)}\n`, 0o644, { durable: false });
    try {
      await write();
    } catch (err) {
      // First write, or the directory was removed (prune) since: create it and try once more.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(this.#dir, { recursive: true });
      await write();
    }
  }

  async delete(key: CacheKey): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  async list(): Promise<CacheRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: CacheRecord[] = [];
    for (const name of names.sort()) {
      const hex = fileRe.exec(name)?.[1];
      if (hex === undefined) continue; // temp files of writes in progress, strangers
      const rec = await this.get(`sha256:${hex}` as CacheKey);
      if (rec) out.push(rec);
    }
    return out;
  }

  /** Loads a hit's results and marks the record used now (its file's mtime is its last use, for LRU eviction). */
  async load(record: CacheRecord, signal?: AbortSignal): Promise<Result[] | undefined> {
    const results = await loadResults(this.#loader, record.results, signal);
    if (results !== undefined) {
      const now = new Date();
      await utimes(this.#path(record.key), now, now).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err; // removed by a prune meanwhile: the results are held by our lease
      });
    }
    return results;
  }

  /** Every record with its last use (ms). */
  async entries(): Promise<{ record: CacheRecord; lastUsed: number }[]> {
    const out: { record: CacheRecord; lastUsed: number }[] = [];
    for (const record of await this.list()) {
      const st = await ifExists(stat(this.#path(record.key)));
      if (st !== undefined) out.push({ record, lastUsed: st.mtimeMs });
    }
    return out;
  }

  #path(key: CacheKey): string {
    return join(this.#dir, `${digestHex(key)}.json`);
  }
}

/** The record in `text` if it is a well-formed record for `key`, else undefined. */
function parseRecord(text: string, key: CacheKey): CacheRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const { results, createdAt } = o;
  if (o.format !== FORMAT || o.key !== key || !isDigest(key)) return undefined;
  if (!Array.isArray(results) || !results.every((r): r is string => typeof r === 'string')) return undefined;
  if (typeof createdAt !== 'number' || !Number.isFinite(createdAt)) return undefined;
  return { key, results, createdAt };
}
