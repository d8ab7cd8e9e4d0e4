/**
 * Pushes one blob of an image: skip it when the registry has it (HEAD), mount
 * it from another repository of the same registry, else upload it — for a
 * layer, the gzip form kept in the content store, compressing it first (in
 * parallel, see gzip.ts) only when kiln has never done so.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#mounting-a-blob-from-another-repository
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { BlobVerifier, verifiedRanges, VerifyingStream, type ContentStore } from '../cache/index.js';
import { MediaType, type Descriptor } from '../store/index.js';
import { isGzipLayer } from '../oci/index.js';
import { createHash } from 'node:crypto';
import type { Digest } from '../util/digest.js';
import { repositoryScope } from './auth.js';
import type { CompressedLayer, CompressedMap } from './compressed-map.js';
import { parallelGzip } from './gzip.js';
import type { ProgressSink } from './progress.js';
import { uploadBlob, type UploadTarget } from './upload.js';

export interface PushContext extends UploadTarget {
  readonly content: ContentStore;
  readonly map: CompressedMap;
  /** `host/path` of the target. */
  readonly repository: string;
  readonly progress?: ProgressSink | undefined;
}

/** HEAD /v2/<name>/blobs/<digest>: true when the registry has the blob. */
export async function blobExists(ctx: PushContext, digest: Digest): Promise<boolean> {
  const res = await ctx.client.send({ method: 'HEAD', url: `/v2/${ctx.path}/blobs/${digest}`, scopes: ctx.scopes, signal: ctx.signal });
  await res.body?.cancel();
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await ctx.client.error(res, `blob ${digest} in ${ctx.subject}`);
}

/** Tries to mount `digest` from another repository of the same registry that is known to hold it. */
async function tryMount(ctx: PushContext, digest: Digest): Promise<boolean> {
  const prefix = `${ctx.client.host.name}/`;
  for (const source of await ctx.map.sources(digest)) {
    if (!source.startsWith(prefix) || source === ctx.repository) continue;
    const from = source.slice(prefix.length);
    const url = `/v2/${ctx.path}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
    const res = await ctx.client.send({ method: 'POST', url, scopes: [...ctx.scopes, repositoryScope(from, false)], headers: { 'content-length': '0' }, signal: ctx.signal });
    await res.body?.cancel();
    // 202 means "not mounted, here is an upload session instead"; it is left to expire.
    if (res.status === 201) return true;
  }
  return false;
}

/**
 * Uploads a blob that is in the content store, hashing it as it goes: a blob
 * damaged on disk fails before its last bytes leave, so the registry never
 * completes it. (The remembered gzip form of a layer is checked the same way.)
 */
async function uploadStored(ctx: PushContext, digest: Digest, size: number): Promise<void> {
  await uploadBlob(ctx, { digest, size, open: verifiedRanges(ctx.content.path(digest), digest, size) });
}

/** gzips a stored layer into the content store and records it; the one costly step a second push skips. */
async function compress(ctx: PushContext, diffID: Digest): Promise<CompressedLayer> {
  const hash = createHash('sha256');
  const writer = await ctx.content.writer(ctx.signal === undefined ? {} : { signal: ctx.signal });
  try {
    // The layer is hashed as it is read, so a damaged one is never compressed and remembered.
    const source = pipeline(createReadStream(ctx.content.path(diffID), { highWaterMark: 1024 * 1024 }), new VerifyingStream(new BlobVerifier(diffID)), () => undefined);
    for await (const chunk of parallelGzip(source)) {
      hash.update(chunk);
      await writer.write(chunk);
    }
    const info = await writer.commit({ digest: `sha256:${hash.digest('hex')}` as Digest, size: writer.offset });
    const blob = { digest: info.digest, size: info.size, mediaType: MediaType.layerGzip };
    await ctx.map.record(diffID, blob);
    ctx.progress?.({ kind: 'blob', digest: blob.digest, status: 'compressed', size: blob.size });
    return blob;
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/** Pushes a local layer (stored uncompressed) and returns its descriptor in the pushed manifest. */
export async function pushLayer(ctx: PushContext, layer: Descriptor): Promise<Descriptor> {
  if (isGzipLayer(layer.mediaType)) {
    await pushBlob(ctx, layer.digest, layer.size);
    return { mediaType: MediaType.layerGzip, digest: layer.digest, size: layer.size };
  }
  let blob = await ctx.map.layer(layer.digest);
  const stored = blob !== undefined && (await ctx.content.has(blob.digest));
  if (blob === undefined || !stored) {
    // Known compressed digest but blob gone: the registry may still have it, or another repository.
    if (blob !== undefined && (await skipOrMount(ctx, blob))) return descriptor(blob);
    blob = await compress(ctx, layer.digest);
  }
  await pushBlob(ctx, blob.digest, blob.size);
  return descriptor(blob);
}

function descriptor(blob: CompressedLayer): Descriptor {
  return { mediaType: MediaType.layerGzip, digest: blob.digest, size: blob.size };
}

/** True when the registry has `blob` now without an upload (present, or mounted). */
async function skipOrMount(ctx: PushContext, blob: { digest: Digest; size: number }): Promise<boolean> {
  if (await blobExists(ctx, blob.digest)) {
    ctx.progress?.({ kind: 'blob', digest: blob.digest, status: 'exists', size: blob.size });
  } else if (await tryMount(ctx, blob.digest)) {
    ctx.progress?.({ kind: 'blob', digest: blob.digest, status: 'mounted', size: blob.size });
  } else {
    return false;
  }
  await ctx.map.record(undefined, { digest: blob.digest, size: blob.size, mediaType: MediaType.layerGzip }, ctx.repository);
  return true;
}

/** Pushes a blob that is in the content store, unless the registry has it or can mount it. */
export async function pushBlob(ctx: PushContext, digest: Digest, size: number): Promise<void> {
  if (await skipOrMount(ctx, { digest, size })) return;
  await uploadStored(ctx, digest, size);
  await ctx.map.record(undefined, { digest, size, mediaType: MediaType.layerGzip }, ctx.repository);
  ctx.progress?.({ kind: 'blob', digest, status: 'pushed', size });
}
