/** Stream helpers for archives: gzip sniffing and a tar-checking pass-through. */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { InvalidArgumentError } from '../../util/errors.js';
import { TarEntryChecker } from './check-tar.js';

async function* prepend(first: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield first;
  for (let r = await rest.next(); r.done !== true; r = await rest.next()) yield r.value;
}

/**
 * Returns `source` decompressed when it starts with the gzip magic, as is
 * otherwise. A corrupt gzip stream errors with a message naming `label`.
 */
export async function maybeGunzip(source: AsyncIterable<Uint8Array>, label: string): Promise<Readable> {
  const it = source[Symbol.asyncIterator]();
  const head = await it.next();
  if (head.done === true) return Readable.from([]);
  const first = Buffer.from(head.value);
  const raw = Readable.from(prepend(first, it), { objectMode: false });
  if (first[0] !== 0x1f || first[1] !== 0x8b) return raw;
  const gz = createGunzip();
  raw.on('error', (err) => gz.destroy(err));
  raw.pipe(gz);
  const out = new Transform({ transform: (c: Buffer, _e, cb) => cb(null, c) });
  gz.on('error', (err) => out.destroy(new InvalidArgumentError(`${label}: corrupt gzip data (${err.message})`, { cause: err })));
  // The consumer may have stopped listening (its pipeline failed first): never crash on a late error.
  out.on('error', () => undefined);
  return gz.pipe(out);
}

/**
 * A pass-through that parses the tar flowing through it and fails (naming the
 * entry) on hostile or malformed content; see {@link TarEntryChecker}.
 */
export function tarCheckStream(label: string): Transform & { readonly entries: () => number } {
  const checker = new TarEntryChecker();
  const ex = extract();
  let failure: Error | undefined;
  ex.on('entry', (header, stream, next) => {
    try {
      checker.check(header);
    } catch (err) {
      failure = new InvalidArgumentError(`${label}: ${(err as Error).message}`, { cause: err });
    }
    stream.on('end', next);
    stream.resume();
  });
  ex.on('error', (err) => {
    failure ??= new InvalidArgumentError(`${label}: not a valid tar (${err.message}) after ${checker.count} entries`, { cause: err });
  });
  // Waits until the parser has taken the last write (or has failed).
  const settled = (event: 'drain' | 'finish', cb: () => void): void => {
    const done = (): void => {
      ex.off(event, done);
      ex.off('close', done);
      cb();
    };
    ex.on(event, done);
    ex.on('close', done);
  };
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (failure !== undefined) return cb(failure);
      if (ex.write(chunk)) return cb(null, chunk);
      settled('drain', () => cb(failure ?? null, chunk));
    },
    flush(cb: TransformCallback) {
      if (failure !== undefined || ex.destroyed) return cb(failure ?? null);
      settled('finish', () => cb(failure ?? null));
      ex.end(undefined);
    },
  });
  return Object.assign(t, { entries: () => checker.count });
}
