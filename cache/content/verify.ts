/**
 * Checking a committed blob against its name as it is read: the bytes of
 * `blobs/sha256/<hex>` must hash to `<hex>`. Blobs are verified when written,
 * but a disk can still flip a bit later, so whatever hands a blob on (save,
 * push, unpack, `kiln check`) hashes it while streaming it, once. A stream that
 * passes a damaged blob on must fail before its consumer sees the whole of it:
 * the streams here hold their last chunk back until the digest is confirmed, so
 * a registry never receives every byte of a damaged upload and a tar entry is
 * never completed with damaged content.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import type { Digest } from '../../util/digest.js';
import { DataLossError } from '../../util/errors.js';
import type { ContentStore } from './types.js';

/** What a user should do about a damaged blob. */
export const REPAIR_HINT = 'run `kiln check --repair` to remove it and everything that depends on it';

/** The error for a damaged blob: names it and says how to repair. */
export function damagedBlobError(digest: Digest, detail: string, options?: { cause?: unknown }): DataLossError {
  return new DataLossError(`blob ${digest} is damaged: ${detail}; ${REPAIR_HINT}`, options);
}

/** Hashes a blob's bytes in order; {@link finish} says whether they were the blob. */
export class BlobVerifier {
  readonly digest: Digest;
  /** The size a descriptor recorded, when known: more bytes than this fail at once. */
  readonly size: number | undefined;
  readonly #hash: Hash = createHash('sha256');
  #seen = 0;

  constructor(digest: Digest, size?: number) {
    this.digest = digest;
    this.size = size;
  }

  /** Bytes hashed so far. */
  get offset(): number {
    return this.#seen;
  }

  /** Adds the next bytes; throws DataLossError as soon as they exceed the recorded size. */
  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.#seen += chunk.length;
    if (this.size !== undefined && this.#seen > this.size) throw damagedBlobError(this.digest, `it is longer than its recorded ${this.size} bytes`);
  }

  /** Throws DataLossError unless the bytes seen hash to the blob's name (and have its recorded size). */
  finish(): void {
    const actual = `sha256:${this.#hash.digest('hex')}`;
    if (actual !== this.digest) throw damagedBlobError(this.digest, `its content hashes to ${actual}`);
    if (this.size !== undefined && this.#seen !== this.size) {
      throw damagedBlobError(this.digest, `it has ${this.#seen} bytes, its descriptor records ${this.size}`);
    }
  }
}

/**
 * A pass-through that feeds a {@link BlobVerifier}. With `last` (the stream
 * carries the end of the blob) it holds the latest chunk back and releases it
 * only once the digest matched; otherwise it fails with DataLossError.
 */
export class VerifyingStream extends Transform {
  readonly #verifier: BlobVerifier;
  readonly #last: boolean;
  #held: Buffer | undefined;

  constructor(verifier: BlobVerifier, options: { last?: boolean } = {}) {
    super();
    this.#verifier = verifier;
    this.#last = options.last ?? true;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.#verifier.update(chunk);
    } catch (err) {
      cb(err as Error);
      return;
    }
    if (!this.#last) {
      cb(null, chunk);
      return;
    }
    const previous = this.#held;
    this.#held = chunk;
    cb(null, previous);
  }

  override _flush(cb: TransformCallback): void {
    if (!this.#last) {
      cb();
      return;
    }
    try {
      this.#verifier.finish();
    } catch (err) {
      cb(err as Error);
      return;
    }
    cb(null, this.#held);
  }
}

const CHUNK = 1024 * 1024;

/**
 * Byte ranges of the blob file at `path` (end exclusive), for uploads that send
 * a blob whole or in consecutive chunks: ranges read in order from 0 are hashed
 * as one stream and the range that ends the blob fails unless it was `digest`.
 * Starting again at 0 (a retried upload) starts a new hash.
 */
export function verifiedRanges(path: string, digest: Digest, size: number): (start: number, end: number) => Readable {
  let verifier = new BlobVerifier(digest, size);
  return (start, end) => {
    if (start === 0) verifier = new BlobVerifier(digest, size);
    else if (start !== verifier.offset) throw new Error(`internal: blob ${digest} read from ${start}, but hashed up to ${verifier.offset}`);
    const last = end >= size;
    const source = end > start ? createReadStream(path, { start, end: end - 1, highWaterMark: CHUNK }) : Readable.from([]);
    return pipeline(source, new VerifyingStream(verifier, { last }), () => undefined);
  };
}

/** Reads a whole small blob (a manifest, a config) and checks it against its name. */
export async function readVerified(store: ContentStore, digest: Digest): Promise<Buffer> {
  const data = await store.readAll(digest);
  const actual = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  if (actual !== digest) throw damagedBlobError(digest, `its content hashes to ${actual}`);
  return data;
}

/** The actual digest of the blob file at `path` when it is not `digest`; undefined when it is intact. Streams, bounded memory. */
export async function damagedDigest(path: string, digest: Digest, signal?: AbortSignal): Promise<string | undefined> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK, ...(signal === undefined ? {} : { signal }) })) hash.update(chunk as Buffer);
  const actual = `sha256:${hash.digest('hex')}`;
  return actual === digest ? undefined : actual;
}
