/**
 * `type=registry`: the cache image (format.ts) in an OCI registry, under a
 * tag. Export pushes the step layers gzip-compressed (as `kiln push` does, so
 * a layer the image push already sent is skipped or mounted, and the
 * compression is remembered), then the config blob byte for byte, then an
 * OCI image manifest whose config media type is kiln's; ordinary registries
 * store that like any image. Import fetches the manifest by tag and the
 * config, and downloads (verifying both digests) only the layers the
 * materialiser asks for. A tag that does not exist yet is not an error: as in
 * BuildKit the import reports a warning and brings nothing.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 */
import { Readable } from 'node:stream';
import PQueue from 'p-queue';
import {
  blobExists,
  CompressedMap,
  downloadLayer,
  familiar,
  fetchConfig,
  fetchManifest,
  isImageManifest,
  parseManifest,
  pushLayer,
  putManifest,
  RegistryClient,
  RegistryError,
  repositoryScope,
  uploadBlob,
  type ClientOptions,
  type LayerContext,
  type PushContext,
} from '../registry/index.js';
import { MediaType, type Descriptor, type Manifest } from '../store/index.js';
import type { Digest } from '../util/digest.js';
import { FailedPreconditionError, findError } from '../util/errors.js';
import type { CacheEnv } from './cache.js';
import { CACHE_CONFIG_MEDIA_TYPE, cacheManifest, decodeCacheConfig, type CacheConfig } from './format.js';
import { materialize, type ImportSummary } from './materialize.js';
import { cacheReference } from './ref.js';
import type { StepIndex } from './records.js';

/** The annotation naming a compressed layer's uncompressed digest (containerd's and BuildKit's). */
export const UNCOMPRESSED_ANNOTATION = 'containerd.io/uncompressed';

/** Options of a registry cache export or import. */
export interface RegistryCacheOptions {
  readonly signal?: AbortSignal | undefined;
  /** Registry client options (credentials, insecure hosts, retries); the docker config and loopback rules by default. */
  readonly client?: ClientOptions | undefined;
  /** Layer transfers at once (default 3). */
  readonly concurrency?: number | undefined;
}

/** Pushes the cache image (`config`, whose blob is `configText`) to `ref`; returns the pushed manifest's descriptor. */
export async function pushCache(env: CacheEnv, ref: string, config: CacheConfig, configText: string, options: RegistryCacheOptions = {}): Promise<Descriptor> {
  const r = cacheReference(ref, '--cache-to');
  const local = cacheManifest(config, configText);
  const client = new RegistryClient(r.domain, options.client ?? {});
  const ctx: PushContext = {
    client,
    path: r.path,
    scopes: [repositoryScope(r.path, true)],
    subject: familiar(r.domain, r.path, r.tag ?? 'latest', undefined),
    signal: options.signal,
    content: env.content,
    map: new CompressedMap(env.images.dir),
    repository: `${client.host.name}/${r.path}`,
  };
  const queue = new PQueue({ concurrency: options.concurrency ?? 3 });
  const layers = await Promise.all(
    local.layers.map((l) =>
      queue.add(async () => {
        const pushed = await pushLayer(ctx, l);
        return { ...pushed, annotations: { [UNCOMPRESSED_ANNOTATION]: l.digest } };
      }, { throwOnTimeout: true }),
    ),
  );
  await pushText(ctx, local.config.digest, configText);
  const remote: Manifest = { ...local, layers };
  const body = JSON.stringify(remote);
  const digest = await putManifest(ctx, r.tag ?? 'latest', body);
  return { mediaType: MediaType.manifest, digest, size: Buffer.byteLength(body) };
}

/** Uploads a small blob held in memory unless the registry has it. */
async function pushText(ctx: PushContext, digest: Digest, text: string): Promise<void> {
  if (await blobExists(ctx, digest)) return;
  const bytes = Buffer.from(text, 'utf8');
  await uploadBlob(ctx, { digest, size: bytes.length, open: (start, end) => Readable.from([bytes.subarray(start, end)]) });
}

/** What a registry import did; `warning` says why nothing was imported when the cache was absent or not kiln's. */
export type RegistryImportSummary = ImportSummary & { readonly warning?: string };

/** Imports the cache image at `ref` into the local stores and `index`. */
export async function pullCache(env: CacheEnv, ref: string, index: StepIndex, options: RegistryCacheOptions = {}): Promise<RegistryImportSummary> {
  const r = cacheReference(ref, '--cache-from');
  const client = new RegistryClient(r.domain, options.client ?? {});
  const subject = familiar(r.domain, r.path, r.tag, r.digest);
  const scopes = [repositoryScope(r.path, false)];
  const none = (warning: string): RegistryImportSummary => ({ imported: 0, present: 0, skipped: 0, warning });
  let fetched;
  try {
    fetched = await fetchManifest(client, r.path, r.digest ?? r.tag ?? 'latest', subject, scopes, options.signal);
  } catch (err) {
    const e = findError(err, RegistryError);
    if (e?.kind === 'manifest-unknown') return none(`cache ${subject} not found: ${e.message}`);
    throw err;
  }
  if (!isImageManifest(fetched.mediaType)) return none(`${subject} is not a kiln cache (a ${fetched.mediaType}); ignored`);
  const manifest = parseManifest(fetched, subject, client.host.name);
  if (manifest.config.mediaType !== CACHE_CONFIG_MEDIA_TYPE) return none(`${subject} is not a kiln cache (config ${manifest.config.mediaType}); ignored`);
  const configText = (await fetchConfig(client, r.path, manifest.config, subject, scopes, options.signal)).toString('utf8');
  const config = decodeCacheConfig(configText, `${subject} (${manifest.config.digest})`);
  const blobs = layerBlobs(config, configText, manifest, subject);

  // Once a layer is needed, all start (a few at a time): an import that needs one usually needs the rest.
  // Whatever the materialiser did not ask for by the end is cancelled.
  const stop = new AbortController();
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  const ctx: LayerContext = { client, content: env.content, map: new CompressedMap(env.images.dir), path: r.path, repository: `${client.host.name}/${r.path}`, scopes, subject, signal };
  const queue = new PQueue({ concurrency: options.concurrency ?? 3 });
  const downloads = new Map<Digest, Promise<unknown>>();
  const start = (): void => {
    if (downloads.size > 0) return;
    for (const [diffID, desc] of blobs) {
      const p = queue.add(() => {
        signal.throwIfAborted();
        return downloadLayer(ctx, desc, diffID);
      }, { throwOnTimeout: true });
      p.catch(() => undefined); // awaited by open() when needed; an unneeded layer's failure is no error
      downloads.set(diffID, p);
    }
  };
  const open = async (diffID: Digest): Promise<Readable> => {
    start();
    const p = downloads.get(diffID);
    if (p === undefined) throw new FailedPreconditionError(`cache ${subject}: no layer for ${diffID}`);
    await p;
    return env.content.reader(diffID);
  };
  try {
    const summary = await materialize({ content: env.content, snapshotter: env.snapshotter, images: env.images, mounter: env.mounter, tmpDir: env.tmpDir, index }, config, open, options.signal);
    return summary;
  } finally {
    stop.abort();
    await Promise.allSettled(downloads.values());
  }
}

/**
 * Each step layer's blob in the manifest, by diffID: the layer annotated with
 * it, else the one at its position (the manifest lists them in config order).
 */
function layerBlobs(config: CacheConfig, configText: string, manifest: Manifest, subject: string): Map<Digest, Descriptor> {
  const want = cacheManifest(config, configText).layers;
  if (want.length !== manifest.layers.length) {
    throw new FailedPreconditionError(`cache ${subject}: the manifest has ${manifest.layers.length} layers but the config ${want.length} step layers`);
  }
  const byAnnotation = new Map<string, Descriptor>();
  for (const l of manifest.layers) {
    const a = l.annotations?.[UNCOMPRESSED_ANNOTATION];
    if (a !== undefined) byAnnotation.set(a, l);
  }
  const out = new Map<Digest, Descriptor>();
  want.forEach((w, i) => {
    const desc = byAnnotation.get(w.digest) ?? (byAnnotation.size === 0 ? manifest.layers[i] : undefined);
    if (desc === undefined) throw new FailedPreconditionError(`cache ${subject}: no layer blob for step layer ${w.digest}`);
    out.set(w.digest, desc);
  });
  return out;
}
