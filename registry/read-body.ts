/**
 * Reading response bodies kiln keeps in memory (manifests, configs, tokens,
 * error bodies) without trusting the registry about their size: a declared
 * Content-Length over the limit is refused before a byte is read, and reading
 * stops as soon as more than the limit has arrived, whatever was declared.
 */
import { KilnError } from '../util/errors.js';
import { RetryableError } from './retry.js';

export interface BodyLimit {
  /** The most bytes accepted. */
  readonly limit: number;
  /** The error for a body over the limit; `declared` is the Content-Length when that alone gave it away. */
  readonly tooLarge: (declared: number | undefined) => Error;
  /** The error for a body that broke off (a network failure); usually retryable. */
  readonly interrupted: (err: unknown) => Error;
}

/** The size a response declares for its body, when the bytes read will be exactly that many (no content coding is undone on the way). */
export function declaredLength(res: Response): number | undefined {
  const coding = res.headers.get('content-encoding');
  if (coding !== null && coding.trim().toLowerCase() !== 'identity') return undefined;
  const value = res.headers.get('content-length')?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Reads all of `res`'s body, at most `b.limit` bytes (see the module comment). */
export async function readBounded(res: Response, b: BodyLimit): Promise<Buffer> {
  const declared = declaredLength(res);
  if (declared !== undefined && declared > b.limit) {
    await res.body?.cancel().catch(() => undefined);
    throw b.tooLarge(declared);
  }
  if (res.body === null) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let over: Error | undefined;
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      size += r.value.byteLength;
      if (size > b.limit) throw (over = b.tooLarge(undefined));
      chunks.push(r.value);
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    if (err === over || err instanceof KilnError || err instanceof RetryableError) throw err;
    throw b.interrupted(err);
  }
  return Buffer.concat(chunks, size);
}

/** Up to `limit` bytes of a body as text, for an error message; whatever fails reading gives what came so far. */
export async function readText(res: Response, limit: number): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const r = await reader.read();
      if (r.done) break;
      chunks.push(r.value);
      size += r.value.byteLength;
    }
  } catch {
    // A broken error body still leaves the status to report.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
