/**
 * Downloads one layer blob, verifies its (compressed) digest, decompresses it
 * and commits it to the content store under its diffID, which it must match.
 * Transient failures (network, 5xx, 429, a body cut short or stalled) restart
 * the blob; a blob longer or shorter than its descriptor is refused.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs
 */
import { Readable, PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ContentStore, ContentWriter } from '../cache/content/index.js';
import { MediaType, type Descriptor } from '../store/index.js';
import { DigestStream, type Digest } from '../util/digest.js';
import { KilnError, NotImplementedError } from '../util/errors.js';
import type { RegistryClient } from './client.js';
import type { CompressedMap } from './compressed-map.js';
import { RegistryError } from './errors.js';
import type { ProgressSink } from './progress.js';
import { claimIngest } from './ingest-claim.js';
import { declaredLength } from './read-body.js';
import { RetryableError, withRetry } from './retry.js';

export interface LayerContext {
  readonly client: RegistryClient;
  readonly content: ContentStore;
  readonly map: CompressedMap;
  readonly path: string;
  /** `host/path`, remembered as a mount source. */
  readonly repository: string;
  readonly scopes: readonly string[];
  readonly subject: string;
  readonly signal?: AbortSignal;
  readonly progress?: ProgressSink;
}

/** The decompressor for a layer media type; zstd is not supported yet. */
function decompressor(mediaType: string, registry: string, subject: string): Transform {
  switch (mediaType) {
    case MediaType.layerGzip:
    case MediaType.dockerLayerGzip:
      return createGunzip();
    case MediaType.layer:
    case MediaType.dockerLayer:
      return new PassThrough();
    case MediaType.layerZstd:
      throw new NotImplementedError(`image ${subject}: zstd-compressed layers`);
    default:
      throw new RegistryError('unsupported', registry, `image ${subject}: unsupported layer media type ${mediaType}`);
  }
}

/**
 * Pulls `desc` (whose uncompressed digest must be `diffID`) unless the store
 * has it; returns the local descriptor. Another kiln downloading the same
 * layer into this store is waited for rather than raced (see ingest-claim.ts).
 */
export async function downloadLayer(ctx: LayerContext, desc: Descriptor, diffID: Digest): Promise<Descriptor> {
  const name = ctx.client.host.name;
  const gzip = desc.mediaType !== MediaType.layer && desc.mediaType !== MediaType.dockerLayer;
  const signal = ctx.signal;
  // A layer already stored needs no decompressor, so only a download fails early on an unsupported type.
  if (!(await ctx.content.has(diffID))) decompressor(desc.mediaType, name, ctx.subject);
  const size = await withRetry(
    async () => {
      const writer = await claimIngest(ctx.content, `layer-${diffID}`, diffID, { signal, onWait: () => ctx.progress?.({ kind: 'blob', digest: desc.digest, status: 'waiting', size: desc.size }) });
      if (writer === undefined) return undefined;
      try {
        return await attempt(ctx, desc, diffID, writer);
      } catch (err) {
        await writer.abort();
        throw err;
      }
    },
    { policy: ctx.client.retryPolicy, ...(signal === undefined ? {} : { signal }), onRetry: (err, n, delay) => ctx.progress?.({ kind: 'retry', what: err.message, attempt: n, delayMs: delay }) },
  );
  if (gzip) await ctx.map.record(diffID, { digest: desc.digest, size: desc.size, mediaType: MediaType.layerGzip }, ctx.repository);
  if (size === undefined) {
    ctx.progress?.({ kind: 'blob', digest: desc.digest, status: 'exists', size: desc.size });
    return { mediaType: MediaType.layer, digest: diffID, size: (await ctx.content.info(diffID)).size };
  }
  ctx.progress?.({ kind: 'blob', digest: desc.digest, status: 'downloaded', size: desc.size });
  return { mediaType: MediaType.layer, digest: diffID, size };
}

/**
 * One download into `writer`, committed when the blob has exactly the
 * descriptor's size and digest and uncompresses to `diffID`; returns the
 * uncompressed size. Transient failures throw a {@link RetryableError}.
 */
async function attempt(ctx: LayerContext, desc: Descriptor, diffID: Digest, writer: ContentWriter): Promise<number> {
  const name = ctx.client.host.name;
  const res = await ctx.client.send({ method: 'GET', url: `/v2/${ctx.path}/blobs/${desc.digest}`, scopes: ctx.scopes, signal: ctx.signal, retry: false }).catch((err: unknown) => {
    throw err instanceof RegistryError && err.kind === 'unreachable' ? new RetryableError(err.message, { cause: err }) : err;
  });
  if (!res.ok || res.body === null) throw await ctx.client.error(res, `layer ${desc.digest} of ${ctx.subject}`, 'blob-unknown');
  const declared = declaredLength(res);
  if (declared !== undefined && declared !== desc.size) {
    await res.body.cancel().catch(() => undefined);
    throw sizeLie(ctx, desc, `the registry announced ${declared} bytes`);
  }
  const compressed = new DigestStream();
  const plain = new DigestStream();
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  try {
    const sink = async (chunks: AsyncIterable<Uint8Array>): Promise<void> => {
      for await (const c of chunks) await writer.write(c);
    };
    await pipeline(body, atMost(desc.size, () => sizeLie(ctx, desc, 'the registry sent more')), compressed, decompressor(desc.mediaType, name, ctx.subject), plain, sink, ...(ctx.signal === undefined ? [] : [{ signal: ctx.signal }]));
  } catch (err) {
    if (err instanceof KilnError || err instanceof RetryableError) throw err;
    ctx.signal?.throwIfAborted();
    if (compressed.size > 0 && isGzipError(err)) throw mismatch(ctx, desc, `is not valid gzip (${(err as Error).message})`);
    throw ctx.client.transient(`registry ${name}: layer ${desc.digest} of ${ctx.subject}: download failed: ${(err as Error).message}`, err);
  }
  if (compressed.size !== desc.size) throw sizeLie(ctx, desc, `the registry sent ${compressed.size} bytes`);
  if (compressed.digest !== desc.digest) throw mismatch(ctx, desc, `has digest ${compressed.digest}`);
  if (plain.digest !== diffID) throw mismatch(ctx, desc, `uncompresses to ${plain.digest}, but the config's diff_id is ${diffID}`);
  await writer.commit({ digest: diffID, size: plain.size });
  return plain.size;
}

/** A pass-through that fails with `over()` as soon as more than `max` bytes came, so a lying registry is not read further. */
function atMost(max: number, over: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) cb(over());
      else cb(null, chunk);
    },
  });
}

function sizeLie(ctx: LayerContext, desc: Descriptor, what: string): RegistryError {
  const name = ctx.client.host.name;
  return new RegistryError('size-mismatch', name, `registry ${name}: repository ${ctx.path}: layer ${desc.digest}: ${what}, but its descriptor gives ${desc.size} bytes; refused, nothing stored or tagged`);
}

function isGzipError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function mismatch(ctx: LayerContext, desc: Descriptor, what: string): RegistryError {
  return new RegistryError('digest-mismatch', ctx.client.host.name, `image ${ctx.subject}: layer ${desc.digest} ${what}; refused, nothing stored or tagged`);
}
