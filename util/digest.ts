/**
 * Content digests in the OCI form `algorithm:hex`. kiln writes sha256 for
 * everything that crosses the OCI boundary; see
 * https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { InvalidArgumentError } from './errors.js';

/** A validated `sha256:<64 hex>` string. */
export type Digest = string & { readonly __digest: unique symbol };

const sha256Re = /^sha256:[a-f0-9]{64}$/;

/** Checks and brands a digest string; throws InvalidArgumentError naming the value. */
export function parseDigest(s: string): Digest {
  if (!sha256Re.test(s)) throw new InvalidArgumentError(`invalid digest ${JSON.stringify(s)}: expected sha256:<64 lowercase hex>`);
  return s as Digest;
}

/** True when `s` is a well-formed sha256 digest. */
export function isDigest(s: string): s is Digest {
  return sha256Re.test(s);
}

/** The hex part of a digest. */
export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}

/** sha256 of a buffer or string, as a digest. */
export function sha256(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

/** A pass-through stream that hashes (sha256) and counts what flows through it. */
export class DigestStream extends Transform {
  readonly #hash: Hash = createHash('sha256');
  #size = 0;
  #digest: Digest | undefined;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.#digest = `sha256:${this.#hash.digest('hex')}` as Digest;
    cb();
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.#size;
  }

  /** The digest; only after the stream has ended. */
  get digest(): Digest {
    if (this.#digest === undefined) throw new Error('internal: digest read before the stream ended');
    return this.#digest;
  }
}
