import type { Readable } from 'node:stream';
import type { Digest } from '../../util/digest.js';

/** What the store knows about one committed blob. */
export interface BlobInfo {
  readonly digest: Digest;
  readonly size: number;
  /** When the blob was committed (ms since epoch). */
  readonly createdAt: number;
}

/** The digest and size a writer must produce; commit fails otherwise. */
export interface Expected {
  readonly digest?: Digest;
  readonly size?: number;
}

/**
 * An in-progress blob write. Lifecycle: obtained from {@link ContentStore.writer},
 * fed with `write()`, then exactly one of `commit()` (verifies size and digest,
 * fsyncs, renames into place atomically, makes the blob read-only) or `abort()`
 * (removes the ingest). Committing content that already exists succeeds.
 */
export interface ContentWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Bytes written so far. */
  readonly offset: number;
  commit(expected?: Expected): Promise<BlobInfo>;
  abort(): Promise<void>;
}

/**
 * A content-addressed store of sha256 blobs (modelled on containerd's
 * content.Store). Committed blobs are immutable and read-only; writes go through
 * an ingest area on the same filesystem and become visible only on commit, so a
 * crash at any point leaves the store readable. Two processes may share one store.
 */
export interface ContentStore {
  /** Throws NotFoundError when the blob is absent. */
  info(digest: Digest): Promise<BlobInfo>;
  /** True when the blob is committed. */
  has(digest: Digest): Promise<boolean>;
  /** Streams a committed blob. Throws NotFoundError when absent. */
  reader(digest: Digest): Promise<Readable>;
  /** Reads a whole (small) committed blob: configs, manifests, indexes. */
  readAll(digest: Digest): Promise<Buffer>;
  /** The filesystem path of a committed blob (read-only). */
  path(digest: Digest): string;
  /** Starts a write; `ref` names the ingest (e.g. the expected digest or a random id). */
  writer(options?: { ref?: string; expected?: Expected; signal?: AbortSignal }): Promise<ContentWriter>;
  /** Writes a whole stream and commits it (verifying `expected` when given). */
  writeStream(source: Readable | AsyncIterable<Uint8Array>, expected?: Expected, options?: { signal?: AbortSignal }): Promise<BlobInfo>;
  /** Writes a buffer and commits it. */
  writeBuffer(data: Uint8Array | string, expected?: Expected): Promise<BlobInfo>;
  /** Removes a committed blob. Throws NotFoundError when absent. */
  delete(digest: Digest): Promise<void>;
  /** Visits every committed blob. */
  walk(fn: (info: BlobInfo) => void | Promise<void>): Promise<void>;
  /** Removes ingests left by processes that are gone; returns how many. */
  cleanupIngests(): Promise<number>;
}
