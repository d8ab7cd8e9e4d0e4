/**
 * Writes a tar entry's data into a freshly created (empty) file. Runs of zero
 * bytes are skipped, leaving holes: layers carry sparse files densely (docker
 * does the same), and this keeps them sparse on disk again. GNU sparse maps
 * place each stored segment at its offset. Writes are synchronous (see
 * apply-entry.ts for why; overlapping them with hashing through the thread
 * pool gained only ~4% on big files).
 */
import { ftruncateSync, writevSync } from 'node:fs';
import { InvalidArgumentError } from '../../util/errors.js';
import type { SparseSegment } from './sparse.js';
import type { TarEntry } from './tar-reader.js';

const ZERO: Buffer = Buffer.alloc(1 << 16);
const BATCH_BYTES = 1 << 20;

/** Writes `entry`'s data to `fd` (opened empty) and sets the file's size. */
export async function writeBody(fd: number, entry: TarEntry): Promise<void> {
  const segments: readonly SparseSegment[] = entry.sparse ?? [{ offset: 0, length: entry.header.size }];
  const batch = new WriteBatch(fd);
  let seg = 0;
  let within = 0;
  for await (const piece of entry.body()) {
    let rest = piece;
    while (rest.length > 0) {
      const s = segments[seg];
      if (s === undefined) throw new InvalidArgumentError(`layer tar entry ${JSON.stringify(entry.header.name)} has more data than its sparse map`);
      const n = Math.min(rest.length, s.length - within);
      if (n === 0) {
        seg++;
        within = 0;
        continue;
      }
      batch.add(rest.subarray(0, n), s.offset + within);
      within += n;
      rest = rest.subarray(n);
    }
  }
  batch.flush();
  ftruncateSync(fd, entry.header.size);
}

/** Gathers contiguous non-zero pieces into one positioned writev. */
class WriteBatch {
  readonly #fd: number;
  #pieces: Buffer[] = [];
  #start = 0;
  #bytes = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** Adds `piece` at `position`, in parts aligned to ZERO's size so that zero parts become holes. */
  add(piece: Buffer, position: number): void {
    for (let off = 0; off < piece.length; ) {
      const n = Math.min(piece.length - off, ZERO.length - ((position + off) % ZERO.length));
      this.#addPart(piece.subarray(off, off + n), position + off);
      off += n;
    }
  }

  /** Writes what is gathered. */
  flush(): void {
    let pieces = this.#pieces;
    let position = this.#start;
    this.#pieces = [];
    this.#bytes = 0;
    while (pieces.length > 0) {
      const written = writevSync(this.#fd, pieces, position);
      position += written;
      pieces = dropBytes(pieces, written);
    }
  }

  #addPart(piece: Buffer, position: number): void {
    const zero = piece.equals(ZERO.subarray(0, piece.length));
    if (zero || position !== this.#start + this.#bytes) this.flush();
    if (zero) return;
    if (this.#bytes === 0) this.#start = position;
    this.#pieces.push(piece);
    this.#bytes += piece.length;
    if (this.#bytes >= BATCH_BYTES) this.flush();
  }
}

/** The pieces that remain after a short write of `n` bytes. */
function dropBytes(pieces: Buffer[], n: number): Buffer[] {
  let left = n;
  const out: Buffer[] = [];
  for (const p of pieces) {
    if (left >= p.length) left -= p.length;
    else {
      out.push(left > 0 ? p.subarray(left) : p);
      left = 0;
    }
  }
  return out;
}
