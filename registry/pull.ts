/**
 * `kiln pull`: resolve a reference to an image manifest (choosing the
 * platform from an index), download the config and the layers concurrently,
 * verify every digest, store layers uncompressed (their digest must be the
 * config's diff_id) and tag the image. Nothing is tagged unless everything
 * verified.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs
 */
import PQueue from 'p-queue';
import { formatPlatform } from '../oci/index.js';
import { hostPlatform, MediaType, normalizeName, parseReference, formatReference, type Descriptor, type ImageConfig, type ImageRecord, type ImageStore, type Index, type Manifest, type Platform } from '../store/index.js';
import { isDigest, sha256, type Digest } from '../util/digest.js';
import { RegistryClient, type ClientOptions } from './client.js';
import { repositoryScope } from './auth.js';
import { CompressedMap } from './compressed-map.js';
import { RegistryError } from './errors.js';
import { checkDescriptor, fetchManifest, isIndex, parseJson, parseManifest, selectPlatform, type FetchedManifest } from './manifest.js';
import { obtainConfig } from './pull-config.js';
import { downloadLayer, type LayerContext } from './pull-layer.js';
import type { ProgressSink } from './progress.js';

export interface PullOptions extends ClientOptions {
  /** Platform to pick from an index (default: the host's, linux/amd64 here). */
  readonly platform?: Platform;
  readonly signal?: AbortSignal;
  readonly progress?: ProgressSink;
  /** Layer downloads at once (default 3). */
  readonly concurrency?: number;
}

export interface PullResult {
  readonly image: ImageRecord;
  /** The normalized name the image was stored under. */
  readonly name: string;
  /** The digest of what the reference resolved to in the registry (index or manifest). */
  readonly digest: Digest;
}

/** Pulls `ref` into `images`; see the module comment. */
export async function pull(images: ImageStore, ref: string, options: PullOptions = {}): Promise<PullResult> {
  const r = parseReference(ref);
  const subject = familiar(r.domain, r.path, r.tag, r.digest);
  const client = new RegistryClient(r.domain, withRetryProgress(options));
  const scopes = [repositoryScope(r.path, false)];
  const signal = options.signal;
  const top = await fetchManifest(client, r.path, r.digest ?? r.tag ?? 'latest', subject, scopes, signal);
  options.progress?.({ kind: 'resolved', ref: subject, digest: top.digest, mediaType: top.mediaType });
  const chosen = await chooseManifest(client, r.path, top, subject, options.platform ?? hostPlatform(), scopes, signal);
  const manifest = parseManifest(chosen, subject, client.host.name);
  const content = images.content;
  const config = await obtainConfig({ client, content, path: r.path, scopes, subject, signal, progress: options.progress }, manifest.config);
  try {
    const layers = await pullLayers(images, client, r.path, subject, scopes, manifest, parseImageConfig(config.bytes, subject, client.host.name), options);
    // The config blob is stored only now: a failed pull leaves no image id behind.
    const cfg = await config.store();
    const local = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.manifest,
      config: { mediaType: MediaType.config, digest: cfg.digest, size: cfg.size },
      layers,
    });
    const m = await content.writeBuffer(local, { digest: sha256(local) });
    const desc: Descriptor = { mediaType: MediaType.manifest, digest: m.digest, size: m.size };
    const name = normalizeName(formatReference(r));
    await images.put(desc, [name]);
    return { image: await images.get(desc.digest), name, digest: top.digest };
  } finally {
    await config.release();
  }
}

/** Downloads the layers (a few at a time); returns their local descriptors. */
async function pullLayers(images: ImageStore, client: RegistryClient, path: string, subject: string, scopes: readonly string[], manifest: Manifest, config: ImageConfig, options: PullOptions): Promise<Descriptor[]> {
  const diffIDs = config.rootfs?.diff_ids ?? [];
  if (!Array.isArray(diffIDs) || diffIDs.length !== manifest.layers.length) {
    throw new RegistryError('protocol', client.host.name, `image ${subject}: the manifest has ${manifest.layers.length} layers but the config ${Array.isArray(diffIDs) ? diffIDs.length : 'no'} diff_ids`);
  }
  const map = new CompressedMap(images.dir);
  const repository = `${client.host.name}/${path}`;
  const queue = new PQueue({ concurrency: options.concurrency ?? 3 });
  const signal = options.signal;
  const ctx: LayerContext = { client, content: images.content, map, path, repository, scopes, subject, ...(signal === undefined ? {} : { signal }), ...(options.progress === undefined ? {} : { progress: options.progress }) };
  return Promise.all(manifest.layers.map((desc, i) => queue.add(() => downloadLayer(ctx, desc, diffIDs[i] as Digest), { throwOnTimeout: true })));
}

/** The image config, checked for what pull relies on. */
function parseImageConfig(bytes: Buffer, subject: string, registry: string): ImageConfig {
  const config = parseJson<ImageConfig | null>(bytes, `config of ${subject}`, registry);
  if (typeof config !== 'object' || config === null) throw new RegistryError('protocol', registry, `registry ${registry}: config of ${subject} is not a JSON object`);
  for (const d of config.rootfs?.diff_ids ?? []) {
    if (typeof d !== 'string' || !isDigest(d)) throw new RegistryError('unsupported', registry, `image ${subject}: diff_id ${JSON.stringify(d)} is not a sha256 digest`);
  }
  return config;
}

/** Follows an index to the manifest for `platform`. */
async function chooseManifest(client: RegistryClient, path: string, top: FetchedManifest, subject: string, platform: Platform, scopes: readonly string[], signal?: AbortSignal): Promise<FetchedManifest> {
  if (!isIndex(top.mediaType)) return top;
  const index = parseJson<Partial<Index> | null>(top.bytes, `index ${subject}`, client.host.name);
  if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests)) {
    throw new RegistryError('protocol', client.host.name, `registry ${client.host.name}: index ${subject} has no manifests list`);
  }
  // Entries that are not objects cannot match; dropping them keeps a malformed index from crashing the choice.
  const manifests = (index.manifests as unknown[]).filter((d): d is Descriptor => typeof d === 'object' && d !== null);
  const entry = selectPlatform({ ...(index as Index), manifests }, platform);
  if (entry === undefined) {
    const have = manifests.flatMap((d) => (d.platform === undefined ? [] : [formatPlatform(d.platform)])).join(', ');
    throw new RegistryError('unsupported', client.host.name, `image ${subject}: no manifest for platform ${formatPlatform(platform)} (it has ${have === '' ? 'none' : have})`);
  }
  checkDescriptor(entry, `index ${subject}`, client.host.name);
  return fetchManifest(client, path, entry.digest, `${subject}@${entry.digest}`, scopes, signal, entry.size);
}

/** Docker's short form of a reference, for messages: `127.0.0.1:5000/x:nope`. */
export function familiar(domain: string, path: string, tag: string | undefined, digest: string | undefined): string {
  const name = domain === 'docker.io' ? path.replace(/^library\//, '') : `${domain}/${path}`;
  return `${name}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
}

/** Client options whose retries are reported as progress. */
export function withRetryProgress(options: ClientOptions & { progress?: ProgressSink }): ClientOptions {
  const progress = options.progress;
  if (progress === undefined) return options;
  return { ...options, onRetry: (what, attempt, delayMs) => { options.onRetry?.(what, attempt, delayMs); progress({ kind: 'retry', what, attempt, delayMs }); } };
}
