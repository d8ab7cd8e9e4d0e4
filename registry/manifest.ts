/**
 * Manifest fetching and platform selection for pull.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
 * and https://github.com/opencontainers/image-spec/blob/main/image-index.md
 */
import { MediaType, type Descriptor, type Index, type Manifest, type Platform } from '../store/index.js';
import { sha256, type Digest } from '../util/digest.js';
import { InvalidArgumentError } from '../util/errors.js';
import type { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';

/** Every manifest type kiln reads, as the Accept header lists them. */
export const MANIFEST_ACCEPT = [MediaType.index, MediaType.dockerManifestList, MediaType.manifest, MediaType.dockerManifest].join(', ');

/** A fetched manifest or index with its verified digest. */
export interface FetchedManifest {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly bytes: Buffer;
}

/**
 * GETs `/v2/<path>/manifests/<reference>`. When `reference` is a digest the
 * bytes must hash to it; `subject` names the reference in errors.
 */
export async function fetchManifest(client: RegistryClient, path: string, reference: string, subject: string, scopes: readonly string[], signal?: AbortSignal): Promise<FetchedManifest> {
  const res = await client.send({ method: 'GET', url: `/v2/${path}/manifests/${reference}`, scopes, headers: { accept: MANIFEST_ACCEPT }, signal });
  if (!res.ok) throw await client.error(res, subject, 'manifest-unknown');
  const bytes = Buffer.from(await res.arrayBuffer());
  const digest = sha256(bytes);
  if (reference.startsWith('sha256:') && digest !== reference) {
    throw new RegistryError('digest-mismatch', client.host.name, `manifest ${subject}: content has digest ${digest}, expected ${reference}; refused`);
  }
  const declared = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
  const header = res.headers.get('content-type')?.split(';')[0]?.trim();
  const mediaType = typeof declared === 'string' ? declared : (header ?? MediaType.manifest);
  return { mediaType, digest, bytes };
}

export function isIndex(mediaType: string): boolean {
  return mediaType === MediaType.index || mediaType === MediaType.dockerManifestList;
}

export function isImageManifest(mediaType: string): boolean {
  return mediaType === MediaType.manifest || mediaType === MediaType.dockerManifest;
}

/** Parses `os/arch[/variant]` as `--platform` gives it. */
export function parsePlatform(s: string): Platform {
  const [os, architecture, variant, extra] = s.split('/');
  if (os === undefined || os === '' || architecture === undefined || architecture === '' || extra !== undefined || variant === '') {
    throw new InvalidArgumentError(`invalid platform ${JSON.stringify(s)}: expected os/arch or os/arch/variant`);
  }
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant === undefined ? '' : `/${p.variant}`}`;
}

/**
 * The index entry for `want`: same os and architecture, and the same variant
 * when one is asked for (else the first, preferring entries without a variant).
 */
export function selectPlatform(index: Index, want: Platform): Descriptor | undefined {
  const candidates = index.manifests.filter((d) => d.platform !== undefined && d.platform.os === want.os && d.platform.architecture === want.architecture && isImageManifest(d.mediaType));
  if (want.variant !== undefined) return candidates.find((d) => d.platform?.variant === want.variant);
  return candidates.find((d) => d.platform?.variant === undefined) ?? candidates[0];
}

/** Parses and checks an image manifest's shape. */
export function parseManifest(m: FetchedManifest, subject: string, registry: string): Manifest {
  const parsed = JSON.parse(m.bytes.toString('utf8')) as Partial<Manifest>;
  if (parsed.schemaVersion !== 2 || parsed.config === undefined || !Array.isArray(parsed.layers)) {
    throw new RegistryError('unsupported', registry, `manifest ${subject}: not a schema 2 image manifest (${m.mediaType})`);
  }
  return parsed as Manifest;
}
