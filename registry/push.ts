/**
 * `kiln push`: upload an image's layers (gzip), config and manifest to a
 * registry. Layers go up concurrently; the manifest goes last, so a failed
 * push never leaves a tag pointing at missing blobs, and a repeated push only
 * sends what is still missing.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#push
 */
import PQueue from 'p-queue';
import {
  contentSink,
  hostPlatform,
  ImageStore,
  isAttestationEntry,
  MediaType,
  parseReference,
  readStatements,
  retargetStatement,
  writeAttestedIndex,
  type BlobSink,
  type Descriptor,
  type ImageRecord,
  type Index,
  type Reference,
} from '../store/index.js';
import { sha256, type Digest } from '../util/digest.js';
import { InvalidArgumentError } from '../util/errors.js';
import { repositoryScope } from './auth.js';
import { RegistryClient, type ClientOptions } from './client.js';
import { CompressedMap } from './compressed-map.js';
import { RegistryError } from './errors.js';
import { familiar, withRetryProgress } from './pull.js';
import { pushBlob, pushLayer, type PushContext } from './push-layer.js';
import type { ProgressSink } from './progress.js';

export interface PushOptions extends ClientOptions {
  readonly signal?: AbortSignal;
  readonly progress?: ProgressSink;
  /** Layer uploads at once (default 3). */
  readonly concurrency?: number;
  /** Bytes per PATCH when uploading in chunks (default 32 MiB). */
  readonly chunkSize?: number;
}

export interface PushResult {
  /** The pushed reference, e.g. `127.0.0.1:5000/x:1`. */
  readonly ref: string;
  /** The manifest digest in the registry. */
  readonly digest: Digest;
  readonly size: number;
}

/** The target reference: `targetRef`, else the name `localRef` gave (which must be a name, not an id). */
function targetOf(localRef: string, targetRef: string | undefined): Reference {
  const text = targetRef ?? localRef;
  if (targetRef === undefined && /^(sha256:)?[a-f0-9]{12,64}$/.test(localRef)) {
    throw new InvalidArgumentError(`push ${localRef}: an image id needs a target reference (kiln push ID REGISTRY/NAME:TAG)`);
  }
  return parseReference(text);
}

/** Pushes local image `localRef` to `targetRef` (default: its own name). */
export async function push(images: ImageStore, localRef: string, targetRef?: string, options: PushOptions = {}): Promise<PushResult> {
  const image = await images.get(localRef);
  const manifest = await images.manifest(image);
  const r = targetOf(localRef, targetRef);
  const tag = r.digest ?? r.tag ?? 'latest';
  const subject = familiar(r.domain, r.path, r.tag, r.digest);
  const client = new RegistryClient(r.domain, withRetryProgress(options));
  const ctx: PushContext = {
    client,
    path: r.path,
    scopes: [repositoryScope(r.path, true)],
    subject,
    signal: options.signal,
    content: images.content,
    map: new CompressedMap(images.dir),
    repository: `${client.host.name}/${r.path}`,
    progress: options.progress,
    ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
  };
  const queue = new PQueue({ concurrency: options.concurrency ?? 3 });
  const layers = await Promise.all(manifest.layers.map((l) => queue.add(() => pushLayer(ctx, l), { throwOnTimeout: true })));
  await pushBlob(ctx, manifest.config.digest, manifest.config.size);
  const remote = {
    schemaVersion: 2,
    mediaType: MediaType.manifest,
    config: { mediaType: MediaType.config, digest: manifest.config.digest, size: manifest.config.size },
    layers,
    ...(manifest.annotations === undefined ? {} : { annotations: manifest.annotations }),
  };
  const body = JSON.stringify(remote);
  const ref = `${subject}`;
  if (image.index !== undefined) {
    // An attested image: the platform manifest goes up by digest, then its attestations and the index under the tag.
    const m = await putManifest(ctx, sha256(body), body);
    const index = await pushAttestations(images, image, ctx, { mediaType: MediaType.manifest, digest: m, size: Buffer.byteLength(body) }, tag);
    options.progress?.({ kind: 'manifest', ref, digest: index.digest });
    return { ref, ...index };
  }
  const digest = await putManifest(ctx, tag, body);
  options.progress?.({ kind: 'manifest', ref, digest });
  return { ref, digest, size: Buffer.byteLength(body) };
}

/**
 * The attestation manifest of an attested image, made again about `pushed`
 * (the registry's form of the image manifest: gzip layers, another digest
 * than the local one), and the index holding both, put under `tag`.
 */
async function pushAttestations(images: ImageStore, image: ImageRecord, ctx: PushContext, pushed: Descriptor, tag: string): Promise<{ digest: Digest; size: number }> {
  const local = JSON.parse((await images.content.readAll(ImageStore.stored(image).digest)).toString('utf8')) as Index;
  const platform = local.manifests.find((d) => !isAttestationEntry(d))?.platform ?? hostPlatform();
  const statements = (await readStatements(images.content, local)).map((s) => ({ ...s, bytes: retargetStatement(s.bytes, image.manifest.digest, pushed.digest) }));
  let top: { digest: Digest; size: number } | undefined;
  const sink: BlobSink = async (bytes, digest, kind) => {
    if (kind === 'blob') {
      await contentSink(images.content)(bytes, digest, kind);
      await pushBlob(ctx, digest, bytes.length);
      return;
    }
    await putManifest(ctx, kind === 'index' ? tag : digest, bytes.toString('utf8'), kind === 'index' ? MediaType.index : MediaType.manifest);
    if (kind === 'index') top = { digest, size: bytes.length };
  };
  await writeAttestedIndex(sink, pushed, platform, statements, local.annotations);
  if (top === undefined) throw new Error('internal: no index was pushed');
  return top;
}

/** PUT /v2/<name>/manifests/<tag>; checks the digest the registry reports. */
export async function putManifest(ctx: PushContext, tag: string, body: string, mediaType: string = MediaType.manifest): Promise<Digest> {
  const digest = sha256(body);
  const res = await ctx.client.send({ method: 'PUT', url: `/v2/${ctx.path}/manifests/${tag}`, scopes: ctx.scopes, headers: { 'content-type': mediaType }, body: () => body, signal: ctx.signal });
  if (res.status !== 201 && res.status !== 200) throw await ctx.client.error(res, `manifest ${ctx.subject}`);
  await res.body?.cancel();
  const reported = res.headers.get('docker-content-digest');
  if (reported !== null && reported !== digest) {
    throw new RegistryError('digest-mismatch', ctx.client.host.name, `manifest ${ctx.subject}: the registry stored digest ${reported}, kiln sent ${digest}`);
  }
  return digest;
}

