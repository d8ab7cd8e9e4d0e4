/**
 * Content checksums of COPY/ADD sources, for cache keys. A file's content
 * is hashed with xxh64 (fast, local change detection only) and remembered
 * in a persisted stat cache, so an unchanged file is never read twice; a
 * selection's checksum is a sha256 over exactly the entries it selects:
 * path, type, mode, owner, size, content checksum and symlink target, but
 * not mtime, so touching a file or changing an unselected one keeps it.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { XXHashAPI } from 'xxhash-wasm';
import type { Digest } from '../../util/digest.js';
import { FailedPreconditionError } from '../../util/errors.js';
import type { PatternMatcher } from './patternmatcher.js';
import { StatCache } from './stat-cache.js';
import { SourceTree, type TreeEntry } from './tree.js';
import { walkSelected } from './walk.js';

/** Options of {@link ContextHasher.open}. */
export interface ContextHasherOptions {
  /** The directory: a build context or a stage's rootfs. */
  readonly root: string;
  /** The xxhash-wasm instance (created once per process). */
  readonly xxhash: XXHashAPI;
  /** `.dockerignore` patterns; ignored paths are not part of the tree. */
  readonly ignore?: PatternMatcher | undefined;
  /** Report owners as 0:0 (the build context, as BuildKit does). */
  readonly resetOwner?: boolean;
  /** Where the stat cache persists; in memory only when undefined. */
  readonly cacheDir?: string | undefined;
}

/** A source to checksum: a resolved path in the tree and its `--exclude` patterns. */
export interface ChecksumSource {
  readonly rel: string;
  readonly exclude?: PatternMatcher | undefined;
  /** The source's path below the directory `exclude` is relative to ('' or absent: the source itself). */
  readonly excludeBase?: string;
}

/** What the hasher read from disk, for tests and progress. */
export interface ReadCounters {
  filesRead: number;
  bytesRead: number;
}

const CHUNK = 1 << 20;
/** A file changed this recently may change again within the same timestamp tick; its checksum is not persisted. */
const RACY_NS = 50_000_000n;
/** Yield to the event loop after this many entries or bytes. */
const YIELD_ENTRIES = 512;
const YIELD_BYTES = 64 << 20;

/** See the file comment. Lifecycle: `open`, any number of `checksum` calls, `save`. */
export class ContextHasher {
  readonly tree: SourceTree;
  readonly counters: ReadCounters = { filesRead: 0, bytesRead: 0 };
  readonly #xxhash: XXHashAPI;
  readonly #cache: StatCache;
  readonly #memo = new Map<string, string>();
  readonly #buf = Buffer.allocUnsafe(CHUNK);

  private constructor(tree: SourceTree, xxhash: XXHashAPI, cache: StatCache) {
    this.tree = tree;
    this.#xxhash = xxhash;
    this.#cache = cache;
  }

  /** Opens a hasher over `options.root` (resolved with realpath) and loads its stat cache. */
  static async open(options: ContextHasherOptions): Promise<ContextHasher> {
    const root = await realpath(options.root);
    const tree = new SourceTree(root, { ignore: options.ignore, resetOwner: options.resetOwner ?? false });
    return new ContextHasher(tree, options.xxhash, await StatCache.load(options.cacheDir, root));
  }

  /**
   * The sha256 of exactly the entries the sources select, in order (each
   * source's path heads its records, so the same files selected differently
   * hash differently).
   */
  async checksum(sources: readonly ChecksumSource[], signal?: AbortSignal): Promise<Digest> {
    const h = createHash('sha256');
    let n = 0;
    for (const src of sources) {
      h.update(`source ${JSON.stringify(src.rel)}\n`);
      for (const { entry } of walkSelected(this.tree, src.rel, src.exclude, src.excludeBase)) {
        h.update(await this.#record(entry));
        if (++n % YIELD_ENTRIES === 0) {
          signal?.throwIfAborted();
          await yieldToLoop();
        }
      }
    }
    return `sha256:${h.digest('hex')}` as Digest;
  }

  /** One entry's line in a checksum: everything a copy preserves except times. */
  async #record(e: TreeEntry): Promise<string> {
    const head = `${JSON.stringify(e.rel)} ${e.kind} ${e.mode.toString(8)} ${e.uid}:${e.gid}`;
    switch (e.kind) {
      case 'file':
        return `${head} ${e.size} ${await this.fileChecksum(e)}\n`;
      case 'symlink':
        return `${head} ${JSON.stringify(e.linkTarget)}\n`;
      case 'char':
      case 'block':
        return `${head} ${e.rdev}\n`;
      case 'dir':
      case 'fifo':
      case 'socket':
        return `${head}\n`;
      default: {
        const never: never = e.kind;
        return never;
      }
    }
  }

  /** A regular file's content checksum, `xxh64:<16 hex>`, from the stat cache when its stat is unchanged. */
  async fileChecksum(e: TreeEntry): Promise<string> {
    const memo = this.#memo.get(e.rel);
    if (memo !== undefined) return memo;
    let sum = this.#cache.get(e);
    if (sum === undefined) {
      const { checksum, racy } = await this.#read(e);
      sum = checksum;
      if (!racy) this.#cache.set(e, sum);
    }
    this.#memo.set(e.rel, sum);
    return sum;
  }

  /** Persists the stat cache, dropping files seen to be gone. */
  async save(): Promise<void> {
    this.#cache.prune((rel) => {
      const slash = rel.lastIndexOf('/');
      const names = this.tree.listed(slash < 0 ? '' : rel.slice(0, slash));
      return names === undefined || names.has(rel.slice(slash + 1));
    });
    await this.#cache.save();
  }

  /** Reads and hashes a file without following a symlink swapped in since it was listed. */
  async #read(e: TreeEntry): Promise<{ checksum: string; racy: boolean }> {
    const path = this.tree.abs(e.rel);
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd, { bigint: true });
      if (!st.isFile()) throw new FailedPreconditionError(`${JSON.stringify(e.rel)} in the build context is no longer a regular file`);
      const value = await this.#hashFd(fd);
      this.counters.filesRead++;
      const now = BigInt(Date.now()) * 1_000_000n;
      const changed = st.ino !== e.ino || st.mtimeNs !== e.mtimeNs || st.ctimeNs !== e.ctimeNs;
      const racy = changed || st.ctimeNs > now - RACY_NS || st.mtimeNs > now - RACY_NS;
      return { checksum: `xxh64:${value.toString(16).padStart(16, '0')}`, racy };
    } finally {
      closeSync(fd);
    }
  }

  /** xxh64 of everything readable from `fd`; one call for small files, streaming for large ones. */
  async #hashFd(fd: number): Promise<bigint> {
    const buf = this.#buf;
    let n = readSync(fd, buf, 0, CHUNK, null);
    this.counters.bytesRead += n;
    if (n < CHUNK) return this.#xxhash.h64Raw(buf.subarray(0, n));
    const state = this.#xxhash.create64();
    let sinceYield = 0;
    while (n > 0) {
      state.update(buf.subarray(0, n));
      sinceYield += n;
      if (sinceYield >= YIELD_BYTES) {
        sinceYield = 0;
        await yieldToLoop();
      }
      n = readSync(fd, buf, 0, CHUNK, null);
      this.counters.bytesRead += n;
    }
    return state.digest();
  }
}
