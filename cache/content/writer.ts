/** The local store's {@link ContentWriter}: hashes while writing into an {@link Ingest}. */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Digest } from '../../util/digest.js';
import { FailedPreconditionError } from '../../util/errors.js';
import type { Ingest } from './ingest.js';
import type { BlobInfo, ContentWriter, Expected } from './types.js';
import { ifExists } from '../../util/if-exists.js';

/** Throws FailedPreconditionError naming expected and actual when `actual` does not match `expected`. */
function verifyExpected(ref: string, actual: { digest: Digest; size: number }, expected: Expected | undefined): void {
  if (expected?.size !== undefined && expected.size !== actual.size) {
    throw new FailedPreconditionError(`ingest ${ref}: unexpected commit size ${actual.size}, expected ${expected.size}`);
  }
  if (expected?.digest !== undefined && expected.digest !== actual.digest) {
    throw new FailedPreconditionError(`ingest ${ref}: unexpected commit digest ${actual.digest}, expected ${expected.digest}`);
  }
}

/**
 * Writes one blob. `write()` calls must not overlap. Aborting the signal
 * removes the ingest; later calls then reject with the signal's reason.
 */
/** Where committed blobs go, and whether an existing one is kept (and so reused) instead of replaced. */
export interface BlobPlace {
  path(digest: Digest): string;
  keepExisting(digest: Digest): Promise<boolean>;
}

export class LocalWriter implements ContentWriter {
  readonly #ingest: Ingest;
  readonly #blobs: BlobPlace;
  readonly #expected: Expected | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #hash = createHash('sha256');
  readonly #onAbort = (): void => void this.#discard().catch(() => undefined);
  #offset = 0;
  #inflight: Promise<void> | undefined;
  #closed = false;
  #discarded: Promise<void> | undefined;

  constructor(ingest: Ingest, blobs: BlobPlace, expected: Expected | undefined, signal: AbortSignal | undefined) {
    this.#ingest = ingest;
    this.#blobs = blobs;
    this.#expected = expected;
    this.#signal = signal;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  get offset(): number {
    return this.#offset;
  }

  async write(chunk: Uint8Array): Promise<void> {
    await this.#enter('write');
    const max = this.#expected?.size;
    if (max !== undefined && this.#offset + chunk.length > max) {
      throw new FailedPreconditionError(`ingest ${this.#ingest.ref}: wrote ${this.#offset + chunk.length} bytes, more than the expected ${max}`);
    }
    this.#inflight = this.#ingest.write(chunk);
    try {
      await this.#inflight;
    } finally {
      this.#inflight = undefined;
    }
    this.#hash.update(chunk);
    this.#offset += chunk.length;
  }

  async commit(expected?: Expected): Promise<BlobInfo> {
    await this.#enter('commit');
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const actual = { digest: `sha256:${this.#hash.digest('hex')}` as Digest, size: this.#offset };
    try {
      verifyExpected(this.#ingest.ref, actual, this.#expected);
      verifyExpected(this.#ingest.ref, actual, expected);
      const path = this.#blobs.path(actual.digest);
      await this.#ingest.commit(path, () => this.#blobs.keepExisting(actual.digest));
      const st = await ifExists(stat(path));
      return { ...actual, createdAt: st?.mtimeMs ?? Date.now() };
    } catch (err) {
      await this.#discard();
      throw err;
    }
  }

  async abort(): Promise<void> {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    if (this.#closed && this.#discarded === undefined) return; // committed
    this.#closed = true;
    await this.#discard();
  }

  /** Fails a call that comes after abort or commit, or while a write runs. */
  async #enter(op: string): Promise<void> {
    if (this.#signal?.aborted === true) {
      await this.#discard();
      throw this.#signal.reason;
    }
    if (this.#closed) throw new FailedPreconditionError(`ingest ${this.#ingest.ref}: ${op} after the writer was closed`);
    if (this.#inflight !== undefined) throw new FailedPreconditionError(`ingest ${this.#ingest.ref}: ${op} while a write is in progress`);
  }

  #discard(): Promise<void> {
    this.#closed = true;
    this.#discarded ??= (async () => {
      await this.#inflight?.catch(() => undefined);
      await this.#ingest.discard();
    })();
    return this.#discarded;
  }
}
