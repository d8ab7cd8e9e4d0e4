/** Helpers for the content-store conformance suite (testsuite.ts). */
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { DigestStream, type Digest } from '../../util/digest.js';
import { NotFoundError } from '../../util/errors.js';
import type { BlobInfo, ContentStore } from './types.js';

/** Asserts that `p` rejects with an instance of `cls` (message matching `re`); returns the error. */
export async function rejects<T extends Error>(p: Promise<unknown>, cls: abstract new (...args: never[]) => T, re?: RegExp): Promise<T> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, cls, `expected a ${cls.name}, got ${String(err)}`);
    if (re !== undefined) assert.match((err as Error).message, re);
    return err as T;
  }
  const message = `expected a rejection with ${cls.name}, but it resolved`;
  throw new assert.Assertion({ message, operator: 'rejects', expects: cls.name, actual: 'resolved' });
}

/** Every blob `walk` visits, in visiting order. */
export async function collect(store: ContentStore): Promise<BlobInfo[]> {
  const out: BlobInfo[] = [];
  await store.walk((info) => void out.push(info));
  return out;
}

/** Reads a (small) stream into one buffer. */
export async function drain(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(parts);
}

/** The sha256 digest and size of a stream, read without keeping it. */
export async function hashStream(r: Readable): Promise<{ digest: Digest; size: number }> {
  const ds = new DigestStream();
  await pipeline(r, ds, new Writable({ write: (_c, _e, cb) => cb() }));
  return { digest: ds.digest, size: ds.size };
}

/** A {@link generated} stream: its digest once ended, and RSS seen while it was read. */
export interface GeneratedStream extends Readable {
  digest(): Digest;
  readonly rss: { readonly base: number; peak: number };
}

/**
 * `size` deterministic pseudo-random bytes (seeded) in fresh `chunk`-byte
 * buffers, generated as they are read, so nothing but the consumer holds them.
 */
export function generated(size: number, chunk: number, seed: number): GeneratedStream {
  let sent = 0;
  let state = (seed * 0x9e3779b1) >>> 0 || 1;
  const rss = { base: process.memoryUsage.rss(), peak: 0 };
  const hash = createHash('sha256');
  const stream = new Readable({
    highWaterMark: chunk,
    read() {
      rss.peak = Math.max(rss.peak, process.memoryUsage.rss());
      const n = Math.min(chunk, size - sent);
      if (n <= 0) return void this.push(null);
      const buf = Buffer.allocUnsafe(n);
      for (let i = 0; i + 4 <= n; i += 4) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        buf.writeUInt32LE(state, i);
      }
      buf.fill(7, n - (n % 4));
      sent += n;
      hash.update(buf);
      this.push(buf);
    },
  });
  const digest = (): Digest => {
    if (sent < size) throw new Error('internal: digest of a generated stream read before its end');
    return `sha256:${hash.copy().digest('hex')}` as Digest;
  };
  return Object.assign(stream, { rss, digest });
}

/** Yields `count` chunks of `chunk` bytes, one per millisecond or so; calls `onSecond` after the second. */
export async function* slowSource(chunk: number, count: number, onSecond: () => void): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    yield Buffer.alloc(chunk, i);
    if (i === 1) onSecond();
    await sleep(1);
  }
}

/** Polls `store.info(digest)` until stopped; `stop()` gives the sizes seen while it was visible. */
export function pollInfo(store: ContentStore, digest: Digest): { stop(): Promise<number[]> } {
  const sizes: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        sizes.push((await store.info(digest)).size);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
      await sleep(0);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return sizes;
    },
  };
}
