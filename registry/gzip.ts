/**
 * Parallel gzip in the style of pigz: the input is cut into fixed-size chunks,
 * each deflated on its own in libuv's thread pool and ended with a sync flush,
 * so the concatenation is one valid deflate stream (RFC 1951 §3.2.4 stored
 * blocks and byte alignment) inside a single gzip member (RFC 1952). Chunks
 * whose sample does not compress are stored (level 0) instead of spending CPU
 * on deflate for nothing, as random or already-compressed data would. The
 * output depends only on the input bytes, so the same layer always gives the
 * same compressed digest.
 */
import { promisify } from 'node:util';
import { availableParallelism } from 'node:os';
import { constants, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';

const deflate = promisify<Buffer, ZlibOptions, Buffer>(deflateRaw);

export interface GzipOptions {
  /** Deflate level for compressible chunks (default 1: speed first). */
  readonly level?: number;
  /** Bytes per independently deflated chunk (default 1 MiB). */
  readonly chunkSize?: number;
  /** Chunks in flight (default: CPU count, at least 2). */
  readonly concurrency?: number;
}

const SAMPLE = 32 * 1024;
/** A sample compressing to more than this fraction is treated as incompressible. */
const INCOMPRESSIBLE = 0.97;

/** gzip header: deflate, no flags, mtime 0, unknown OS (deterministic). */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);

/** Deflate stored blocks (BFINAL=0, BTYPE=00, LEN, NLEN, bytes) over `chunk`, without copying it. */
function storedBlocks(chunk: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < chunk.length; at += 0xffff) {
    const part = chunk.subarray(at, at + 0xffff);
    const head = Buffer.alloc(5);
    head.writeUInt16LE(part.length, 1);
    head.writeUInt16LE(~part.length & 0xffff, 3);
    out.push(head, part);
  }
  return out;
}

async function deflateChunk(chunk: Buffer, level: number): Promise<Buffer[]> {
  const flush = { finishFlush: constants.Z_SYNC_FLUSH };
  if (chunk.length > SAMPLE * 2) {
    const sample = await deflate(chunk.subarray(0, SAMPLE), { level, ...flush });
    if (sample.length > SAMPLE * INCOMPRESSIBLE) return [Buffer.concat(storedBlocks(chunk))];
  }
  return [await deflate(chunk, { level, ...flush })];
}

/** Regroups a byte stream into buffers of exactly `size` bytes (the last may be shorter). */
async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (const c of source) {
    let buf = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    while (have + buf.length >= size) {
      const take = size - have;
      parts.push(buf.subarray(0, take));
      yield Buffer.concat(parts, size);
      parts = [];
      have = 0;
      buf = buf.subarray(take);
    }
    if (buf.length > 0) {
      parts.push(Buffer.from(buf));
      have += buf.length;
    }
  }
  if (have > 0) yield Buffer.concat(parts, have);
}

/** gzips `source`, yielding the compressed bytes in order; memory stays at about `concurrency` chunks. */
export async function* parallelGzip(source: AsyncIterable<Uint8Array>, options: GzipOptions = {}): AsyncGenerator<Buffer> {
  const level = options.level ?? 1;
  const concurrency = options.concurrency ?? Math.max(2, availableParallelism());
  const inflight: Promise<Buffer[]>[] = [];
  let crc = 0;
  let total = 0;
  yield HEADER;
  try {
    for await (const chunk of rechunk(source, options.chunkSize ?? 1024 * 1024)) {
      crc = crc32(chunk, crc);
      total += chunk.length;
      inflight.push(deflateChunk(chunk, level));
      if (inflight.length >= concurrency) yield* await (inflight.shift() as Promise<Buffer[]>);
    }
    while (inflight.length > 0) yield* await (inflight.shift() as Promise<Buffer[]>);
  } finally {
    // A consumer that stops early must not leave rejections unhandled.
    for (const p of inflight) p.catch(() => undefined);
  }
  // A final empty fixed-Huffman block (BFINAL=1) closes the deflate stream.
  const trailer = Buffer.alloc(10);
  trailer[0] = 0x03;
  trailer[1] = 0x00;
  trailer.writeUInt32LE(crc >>> 0, 2);
  trailer.writeUInt32LE(total % 2 ** 32, 6);
  yield trailer;
}
