/**
 * Pulls exact byte counts out of a stream of chunks without copying them,
 * for the tar reader. Chunks are handed on as views of the source's buffers.
 */

const EMPTY: Buffer = Buffer.alloc(0);

/** Sequential reads over an async iterable of buffers. */
export class ByteReader {
  readonly #it: AsyncIterator<Buffer>;
  #chunk: Buffer = EMPTY;
  #off = 0;
  #done = false;
  #consumed = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#consumed;
  }

  /** Up to `n` bytes as one buffer; shorter only where the data ends. */
  async read(n: number): Promise<Buffer> {
    if (!(await this.#fill())) return EMPTY;
    if (this.#chunk.length - this.#off >= n) return this.#take(n);
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n && (await this.#fill())) {
      const piece = this.#take(Math.min(n - got, this.#chunk.length - this.#off));
      parts.push(piece);
      got += piece.length;
    }
    return Buffer.concat(parts, got);
  }

  /** Yields exactly the next `n` bytes in pieces; throws `onEnd()` when the data ends first. */
  async *pieces(n: number, onEnd: () => Error): AsyncGenerator<Buffer, void, undefined> {
    let left = n;
    while (left > 0) {
      if (!(await this.#fill())) throw onEnd();
      const piece = this.#take(Math.min(left, this.#chunk.length - this.#off));
      left -= piece.length;
      yield piece;
    }
  }

  /** Discards the next `n` bytes; throws `onEnd()` when the data ends first. */
  async skip(n: number, onEnd: () => Error): Promise<void> {
    for await (const piece of this.pieces(n, onEnd)) void piece;
  }

  /** Reads (and so hashes, upstream) everything up to the end of the source. */
  async drain(): Promise<void> {
    while (await this.#fill()) this.#take(this.#chunk.length - this.#off);
  }

  #take(n: number): Buffer {
    const piece = this.#chunk.subarray(this.#off, this.#off + n);
    this.#off += n;
    this.#consumed += n;
    return piece;
  }

  async #fill(): Promise<boolean> {
    while (this.#off >= this.#chunk.length) {
      if (this.#done) return false;
      const r = await this.#it.next();
      if (r.done === true) {
        this.#done = true;
        this.#chunk = EMPTY;
        this.#off = 0;
        return false;
      }
      this.#chunk = r.value;
      this.#off = 0;
    }
    return true;
  }
}
