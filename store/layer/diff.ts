/**
 * Layer diff: writes a filesystem changeset as an uncompressed, deterministic
 * tar with OCI whiteouts, hashing it on the way out.
 * https://github.com/opencontainers/image-spec/blob/main/layer.md#creating
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { DigestStream } from '../../util/digest.js';
import { FailedPreconditionError, InvalidArgumentError } from '../../util/errors.js';
import { overlayEntries } from './diff-overlay.js';
import { treeEntries } from './diff-trees.js';
import type { DiffEntry } from './entry-from-stat.js';
import { encodeHeader, END_OF_ARCHIVE, padding } from './tar-header.js';
import type { DiffInput, DiffOptions, DiffStream, LayerDigest } from './types.js';

/**
 * Read size for file contents: big reads keep syscalls and stream hops off the
 * hot path. The walk and the reads are synchronous syscalls: each takes
 * microseconds, a trip through libuv's thread pool ~45µs, which made layers of
 * small files several times slower. The event loop turns between chunks.
 */
const CHUNK = 1 << 20;

/**
 * Streams the layer tar for `input` (an overlay upper dir, or a lower/upper
 * pair of full trees). `stream` is the tar; `done` gives its diffID and size
 * once the stream has been read to the end, and rejects if it fails.
 *
 * Entries are sorted (parents first, names bytewise), carry numeric uid/gid
 * and no user names, atime or ctime, and mtimes in whole seconds clamped to
 * `sourceDateEpoch`: the same tree always gives the same diffID. Deletions are
 * `.wh.<name>` entries and opaque directories get `<dir>/.wh..wh..opq`
 * (https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts);
 * hardlinks within the layer are tar hardlinks to the first path in that
 * order; `security.capability` is kept as a PAX `SCHILY.xattr` record.
 */
export function createDiffStream(input: DiffInput, options: DiffOptions = {}): DiffStream {
  const { sourceDateEpoch, signal } = options;
  if (sourceDateEpoch !== undefined && !(Number.isSafeInteger(sourceDateEpoch) && sourceDateEpoch >= 0)) {
    throw new InvalidArgumentError(`invalid SOURCE_DATE_EPOCH ${sourceDateEpoch}: expected whole seconds since 1970`);
  }
  const entries = typeof input === 'string' ? overlayEntries(input, sourceDateEpoch) : treeEntries(input.lower, input.upper, sourceDateEpoch);
  const source = Readable.from(tarChunks(entries, signal), { objectMode: false, highWaterMark: CHUNK });
  const digest = new DigestStream({ readableHighWaterMark: CHUNK, writableHighWaterMark: CHUNK });
  pipeline(source, digest, signal === undefined ? {} : { signal }).catch(() => {}); // errors reach readers through `digest`
  const done: Promise<LayerDigest> = finished(digest).then(() => ({ diffID: digest.digest, size: digest.size }));
  done.catch(() => {}); // callers that only read the stream see its error there
  return { stream: digest, done };
}

/** The tar bytes for `entries`: each header, then the file's bytes and padding. */
async function* tarChunks(entries: AsyncIterable<DiffEntry>, signal: AbortSignal | undefined): AsyncGenerator<Buffer, void, undefined> {
  for await (const e of entries) {
    signal?.throwIfAborted();
    const header = encodeHeader(e.header);
    if (e.source === null) yield header;
    else yield* fileChunks(header, e.source, e.header.name, e.header.size, signal);
  }
  yield END_OF_ARCHIVE;
}

/**
 * A file's header, content and padding in chunks of up to CHUNK bytes. Each
 * chunk is a fresh buffer, so consumers may hold on to it; the header and the
 * padding ride in the first and last chunk.
 */
async function* fileChunks(header: Buffer, path: string, name: string, size: number, signal: AbortSignal | undefined): AsyncGenerator<Buffer, void, undefined> {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    let prefix = header;
    for (let pos = 0; pos < size; ) {
      signal?.throwIfAborted();
      const n = Math.min(size - pos, CHUNK);
      const pad = pos + n === size ? padding(size).length : 0;
      const buf = Buffer.allocUnsafe(prefix.length + n + pad);
      prefix.copy(buf, 0);
      readFully(fd, buf.subarray(prefix.length, prefix.length + n), pos, name);
      buf.fill(0, prefix.length + n);
      pos += n;
      prefix = buf.subarray(0, 0);
      yield buf;
    }
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, into: Buffer, position: number, name: string): void {
  for (let off = 0; off < into.length; ) {
    const bytesRead = readSync(fd, into, off, into.length - off, position + off);
    if (bytesRead === 0) throw new FailedPreconditionError(`file ${JSON.stringify(name)} shrank while its layer was written`);
    off += bytesRead;
  }
}
