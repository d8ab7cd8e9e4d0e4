/**
 * Downloads one layer blob, verifies its (compressed) digest, decompresses it
 * and commits it to the content store under its diffID, which it must match.
 * Transient failures (network, 5xx, 429, a body cut short) restart the blob.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs
 */
import { Readable, PassThrough, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ContentStore } from '../cache/content/index.js';
import { MediaType, type Descriptor } from '../store/index.js';
import { DigestStream, type Digest } from '../util/digest.js';
import { KilnError, NotImplementedError } from '../util/errors.js';
import type { RegistryClient } from './client.js';
import type { CompressedMap } from './compressed-map.js';
import { RegistryError } from './errors.js';
import type { ProgressSink } from './progress.js';
import { DEFAULT_RETRY, RetryableError, withRetry } from './retry.js';

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

/** Pulls `desc` (whose uncompressed digest must be `diffID`) unless the store has it; returns the local descriptor. */
export async function downloadLayer(ctx: LayerContext, desc: Descriptor, diffID: Digest): Promise<Descriptor> {
  const name = ctx.client.host.name;
  const gzip = desc.mediaType !== MediaType.layer && desc.mediaType !== MediaType.dockerLayer;
  if (await ctx.content.has(diffID)) {
    const size = (await ctx.content.info(diffID)).size;
    if (gzip) await ctx.map.record(diffID, { digest: desc.digest, size: desc.size, mediaType: MediaType.layerGzip }, ctx.repository);
    ctx.progress?.({ kind: 'blob', digest: desc.digest, status: 'exists', size: desc.size });
    return { mediaType: MediaType.layer, digest: diffID, size };
  }
  decompressor(desc.mediaType, name, ctx.subject); // fails early on unsupported types
  const size = await withRetry(() => attempt(ctx, desc, diffID), { policy: DEFAULT_RETRY, ...(ctx.signal === undefined ? {} : { signal: ctx.signal }) });
  if (gzip) await ctx.map.record(diffID, { digest: desc.digest, size: desc.size, mediaType: MediaType.layerGzip }, ctx.repository);
  ctx.progress?.({ kind: 'blob', digest: desc.digest, status: 'downloaded', size: desc.size });
  return { mediaType: MediaType.layer, digest: diffID, size };
}

/** One download; returns the uncompressed size. */
async function attempt(ctx: LayerContext, desc: Descriptor, diffID: Digest): Promise<number> {
  const name = ctx.client.host.name;
  const res = await ctx.client.send({ method: 'GET', url: `/v2/${ctx.path}/blobs/${desc.digest}`, scopes: ctx.scopes, signal: ctx.signal });
  if (!res.ok || res.body === null) throw await ctx.client.error(res, `layer ${desc.digest} of ${ctx.subject}`, 'blob-unknown');
  const compressed = new DigestStream();
  const plain = new DigestStream();
  const writer = await ctx.content.writer(ctx.signal === undefined ? {} : { signal: ctx.signal });
  try {
    const sink = async (chunks: AsyncIterable<Uint8Array>): Promise<void> => {
      for await (const c of chunks) await writer.write(c);
    };
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    await pipeline(body, compressed, decompressor(desc.mediaType, name, ctx.subject), plain, sink, ...(ctx.signal === undefined ? [] : [{ signal: ctx.signal }]));
  } catch (err) {
    await writer.abort();
    if (err instanceof KilnError) throw err;
    ctx.signal?.throwIfAborted();
    if (compressed.size > 0 && isGzipError(err)) throw mismatch(ctx, desc, `is not valid gzip (${(err as Error).message})`);
    throw new RetryableError(`layer ${desc.digest}: download interrupted`, { cause: new RegistryError('unreachable', name, `registry ${name}: layer ${desc.digest} of ${ctx.subject}: download failed: ${(err as Error).message}`, { cause: err }) });
  }
  if (compressed.digest !== desc.digest) {
    await writer.abort();
    throw mismatch(ctx, desc, `has digest ${compressed.digest}`);
  }
  if (plain.digest !== diffID) {
    await writer.abort();
    throw mismatch(ctx, desc, `uncompresses to ${plain.digest}, but the config's diff_id is ${diffID}`);
  }
  await writer.commit({ digest: diffID, size: plain.size });
  return plain.size;
}

function isGzipError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function mismatch(ctx: LayerContext, desc: Descriptor, what: string): RegistryError {
  return new RegistryError('digest-mismatch', ctx.client.host.name, `image ${ctx.subject}: layer ${desc.digest} ${what}; refused, nothing stored or tagged`);
}
