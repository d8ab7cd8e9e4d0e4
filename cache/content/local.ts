/**
 * A {@link ContentStore} on the local filesystem, laid out like containerd's
 * local store: committed blobs at `<dir>/blobs/sha256/<hex>` (so `<dir>` can
 * double as an OCI image layout, see
 * https://github.com/opencontainers/image-spec/blob/main/image-layout.md#blobs)
 * and in-progress writes at `<dir>/ingest/<encoded ref>/`.
 */
import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestHex, parseDigest, type Digest } from '../../util/digest.js';
import { NotFoundError } from '../../util/errors.js';
import { cleanupIngests, Ingest } from './ingest.js';
import { LocalWriter } from './writer.js';
import type { BlobInfo, ContentStore, ContentWriter, Expected } from './types.js';
import type { UseGuard } from '../guard.js';
import { ifExists } from '../../util/if-exists.js';

const hexRe = /^[a-f0-9]{64}$/;

/**
 * Blobs in a directory, shared safely by several processes. Writes stream
 * into an ingest while hashing; commit verifies, fsyncs and renames the blob
 * into place read-only (mode 0444). Call {@link cleanupIngests} at start-up to
 * drop what killed writers left behind.
 */
export class LocalContentStore implements ContentStore {
  readonly #blobDir: string;
  readonly #ingestDir: string;
  readonly #guard: UseGuard | undefined;

  /**
   * A store rooted at `dir`; directories are created on the first write.
   * With a `guard`, every blob found to exist (by `has`, or by a write of
   * content already stored) is recorded as used, so a concurrent prune keeps it.
   */
  constructor(dir: string, options: { guard?: UseGuard } = {}) {
    this.#blobDir = join(dir, 'blobs', 'sha256');
    this.#ingestDir = join(dir, 'ingest');
    this.#guard = options.guard;
  }

  path(digest: Digest): string {
    return join(this.#blobDir, digestHex(parseDigest(digest)));
  }

  async info(digest: Digest): Promise<BlobInfo> {
    return blobInfo(digest, await this.#stat(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    const exists = (): Promise<boolean> => this.#exists(digest);
    return this.#guard === undefined ? exists() : this.#guard.use({ blobs: [digest] }, exists);
  }

  async #exists(digest: Digest): Promise<boolean> {
    try {
      return (await this.#stat(digest)).isFile();
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  async reader(digest: Digest): Promise<Readable> {
    const fh = await open(this.path(digest), 'r').catch((err: unknown) => rethrow(digest, err));
    return fh.createReadStream();
  }

  async readAll(digest: Digest): Promise<Buffer> {
    return readFile(this.path(digest)).catch((err: unknown) => rethrow(digest, err));
  }

  async writer(options: { ref?: string; expected?: Expected; signal?: AbortSignal } = {}): Promise<ContentWriter> {
    options.signal?.throwIfAborted();
    await mkdir(this.#blobDir, { recursive: true });
    const ingest = await Ingest.open(this.#ingestDir, options.ref ?? `tmp-${randomUUID()}`);
    return new LocalWriter(ingest, { path: (d) => this.path(d), keepExisting: (d) => this.has(d) }, options.expected, options.signal);
  }

  async writeStream(source: Readable | AsyncIterable<Uint8Array>, expected?: Expected, options: { signal?: AbortSignal } = {}): Promise<BlobInfo> {
    const w = await this.writer(options.signal === undefined ? {} : { signal: options.signal });
    try {
      // An async sink awaits each write, so the source is pulled only as fast as the disk takes it.
      const sink = async (chunks: AsyncIterable<Uint8Array | string>): Promise<void> => {
        for await (const chunk of chunks) await w.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      };
      await (options.signal === undefined ? pipeline(source, sink) : pipeline(source, sink, { signal: options.signal }));
      return await w.commit(expected);
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  async writeBuffer(data: Uint8Array | string, expected?: Expected): Promise<BlobInfo> {
    const w = await this.writer();
    try {
      await w.write(typeof data === 'string' ? Buffer.from(data) : data);
      return await w.commit(expected);
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  async delete(digest: Digest): Promise<void> {
    await unlink(this.path(digest)).catch((err: unknown) => rethrow(digest, err));
  }

  async walk(fn: (info: BlobInfo) => void | Promise<void>): Promise<void> {
    const names = await readdir(this.#blobDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    for (const name of names.sort()) {
      if (!hexRe.test(name)) continue;
      const digest = `sha256:${name}` as Digest;
      const st = await ifExists(stat(join(this.#blobDir, name)));
      if (st?.isFile() === true) await fn(blobInfo(digest, st));
    }
  }

  async cleanupIngests(): Promise<number> {
    return cleanupIngests(this.#ingestDir);
  }

  async #stat(digest: Digest): Promise<Stats> {
    const st = await stat(this.path(digest)).catch((err: unknown) => rethrow(digest, err));
    if (!st.isFile()) throw new NotFoundError(`content ${digest}: not found (not a regular file)`);
    return st;
  }
}

function blobInfo(digest: Digest, st: Stats): BlobInfo {
  return { digest, size: st.size, createdAt: st.mtimeMs };
}

/** Turns ENOENT into NotFoundError naming the blob; rethrows anything else. */
function rethrow(digest: Digest, err: unknown): never {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`content ${digest}: not found`, { cause: err });
  throw err;
}
