/**
 * `kiln pull`: resolve a reference to an image manifest (choosing the
 * platform from an index), download the config and the layers concurrently,
 * verify every digest, store layers uncompressed (their digest must be the
 * config's diff_id) and tag the image. Nothing is tagged unless everything
 * verified.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs
 */
import PQueue from 'p-queue';
import { hostPlatform, MediaType, normalizeName, parseReference, formatReference, type Descriptor, type ImageConfig, type ImageRecord, type ImageStore, type Index, type Platform } from '../store/index.js';
import { sha256, type Digest } from '../util/digest.js';
import { RegistryClient, type ClientOptions } from './client.js';
import { repositoryScope } from './auth.js';
import { CompressedMap } from './compressed-map.js';
import { RegistryError } from './errors.js';
import { fetchManifest, formatPlatform, isIndex, parseManifest, selectPlatform, type FetchedManifest } from './manifest.js';
import { downloadLayer } from './pull-layer.js';
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
  const configBytes = await fetchConfig(client, r.path, manifest.config, subject, scopes, signal);
  const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  const diffIDs = config.rootfs?.diff_ids ?? [];
  if (diffIDs.length !== manifest.layers.length) {
    throw new RegistryError('protocol', client.host.name, `image ${subject}: the manifest has ${manifest.layers.length} layers but the config ${diffIDs.length} diff_ids`);
  }
  const map = new CompressedMap(images.dir);
  const repository = `${client.host.name}/${r.path}`;
  const queue = new PQueue({ concurrency: options.concurrency ?? 3 });
  const layers = await Promise.all(
    manifest.layers.map((desc, i) =>
      queue.add(
        () => downloadLayer({ client, content: images.content, map, path: r.path, repository, scopes, subject, ...(signal === undefined ? {} : { signal }), ...(options.progress === undefined ? {} : { progress: options.progress }) }, desc, diffIDs[i] as Digest),
        { throwOnTimeout: true },
      ),
    ),
  );
  // The config blob is stored only now: a failed pull leaves no image id behind.
  const cfg = await images.content.writeBuffer(configBytes, { digest: manifest.config.digest, size: configBytes.length });
  const local = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.manifest,
    config: { mediaType: MediaType.config, digest: cfg.digest, size: cfg.size },
    layers,
  });
  const m = await images.content.writeBuffer(local, { digest: sha256(local) });
  const desc: Descriptor = { mediaType: MediaType.manifest, digest: m.digest, size: m.size };
  const name = normalizeName(formatReference(r));
  await images.put(desc, [name]);
  return { image: await images.get(desc.digest), name, digest: top.digest };
}

/** Follows an index to the manifest for `platform`. */
async function chooseManifest(client: RegistryClient, path: string, top: FetchedManifest, subject: string, platform: Platform, scopes: readonly string[], signal?: AbortSignal): Promise<FetchedManifest> {
  if (!isIndex(top.mediaType)) return top;
  const index = JSON.parse(top.bytes.toString('utf8')) as Index;
  const entry = selectPlatform(index, platform);
  if (entry === undefined) {
    const have = index.manifests.flatMap((d) => (d.platform === undefined ? [] : [formatPlatform(d.platform)])).join(', ');
    throw new RegistryError('unsupported', client.host.name, `image ${subject}: no manifest for platform ${formatPlatform(platform)} (it has ${have === '' ? 'none' : have})`);
  }
  return fetchManifest(client, path, entry.digest, `${subject}@${entry.digest}`, scopes, signal);
}

/** GETs the config blob and checks its digest. */
export async function fetchConfig(client: RegistryClient, path: string, desc: Descriptor, subject: string, scopes: readonly string[], signal?: AbortSignal): Promise<Buffer> {
  const res = await client.send({ method: 'GET', url: `/v2/${path}/blobs/${desc.digest}`, scopes, signal });
  if (!res.ok) throw await client.error(res, `config ${desc.digest} of ${subject}`, 'blob-unknown');
  const bytes = Buffer.from(await res.arrayBuffer());
  const got = sha256(bytes);
  if (got !== desc.digest) {
    throw new RegistryError('digest-mismatch', client.host.name, `image ${subject}: config blob has digest ${got}, expected ${desc.digest}; refused, nothing stored`);
  }
  return bytes;
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
