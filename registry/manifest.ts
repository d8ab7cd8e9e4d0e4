/**
 * Manifest fetching and platform selection for pull.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
 * and https://github.com/opencontainers/image-spec/blob/main/image-index.md
 */
import { MediaType, type Descriptor, type Index, type Manifest, type Platform } from '../store/index.js';
import { createHash } from 'node:crypto';
import { isDigest, sha256, type Digest } from '../util/digest.js';
import { networkReason, type RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { formatBytes, MAX_MANIFEST_BYTES } from './limits.js';
import { readBounded } from './read-body.js';

/** Every manifest type kiln reads, as the Accept header lists them. */
export const MANIFEST_ACCEPT = [MediaType.index, MediaType.dockerManifestList, MediaType.manifest, MediaType.dockerManifest].join(', ');

/** A fetched manifest or index with its verified digest. */
export interface FetchedManifest {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly bytes: Buffer;
}

/**
 * GETs `/v2/<path>/manifests/<reference>`, at most {@link MAX_MANIFEST_BYTES}
 * (or `size`, an index entry's, which it must match). When `reference` is a
 * digest the bytes must hash to it; fetched by tag, they must hash to the
 * `Docker-Content-Digest` the registry sent, when it sent one. A body that
 * stalls or breaks off is fetched again. `subject` names the reference in errors.
 */
export async function fetchManifest(client: RegistryClient, path: string, reference: string, subject: string, scopes: readonly string[], signal?: AbortSignal, size?: number): Promise<FetchedManifest> {
  const name = client.host.name;
  // Tags cannot hold a colon, so anything with one is meant as a digest.
  const byDigest = reference.includes(':');
  if (byDigest && !isDigest(reference)) throw new RegistryError('unsupported', name, `manifest ${subject}: digest ${reference} is not a sha256 digest; not supported`);
  if (size !== undefined && size > MAX_MANIFEST_BYTES) throw tooLarge(name, `manifest ${subject}`, size);
  const req = { method: 'GET', url: `/v2/${path}/manifests/${reference}`, scopes, headers: { accept: MANIFEST_ACCEPT }, signal } as const;
  return client.exchange(req, async (res) => {
    if (!res.ok) throw await client.error(res, subject, 'manifest-unknown');
    const bytes = await readDocument(client, res, `manifest ${subject}`, size);
    const digest = sha256(bytes);
    if (byDigest && digest !== reference) {
      throw new RegistryError('digest-mismatch', name, `manifest ${subject}: content has digest ${digest}, expected ${reference}; refused`);
    }
    const header = res.headers.get('docker-content-digest')?.trim();
    if (!byDigest && header !== undefined && header !== '' && !matchesDigest(bytes, header)) {
      throw new RegistryError('digest-mismatch', name, `registry ${name}: manifest ${subject}: content has digest ${digest}, but the registry's Docker-Content-Digest header says ${header}; refused`);
    }
    const doc = parseJson<unknown>(bytes, `manifest ${subject}`, name);
    const declared = typeof doc === 'object' && doc !== null ? (doc as { mediaType?: unknown }).mediaType : undefined;
    const type = res.headers.get('content-type')?.split(';')[0]?.trim();
    const mediaType = typeof declared === 'string' ? declared : (type ?? MediaType.manifest);
    return { mediaType, digest, bytes };
  });
}

/**
 * Reads a manifest, index or config body: at most {@link MAX_MANIFEST_BYTES},
 * and exactly `size` bytes when a descriptor gives the size. `what` names it.
 */
export async function readDocument(client: RegistryClient, res: Response, what: string, size?: number): Promise<Buffer> {
  const name = client.host.name;
  const bytes = await readBounded(res, {
    limit: size ?? MAX_MANIFEST_BYTES,
    tooLarge: (declared) =>
      size === undefined
        ? tooLarge(name, what, declared)
        : new RegistryError('size-mismatch', name, `registry ${name}: ${what}: ${declared === undefined ? 'the registry sent more than' : `the registry announced ${declared} bytes, not`} the ${size} bytes its descriptor gives; refused`),
    interrupted: (err) => client.transient(`registry ${name}: ${what}: download broke off: ${networkReason(err)}`, err),
  });
  if (size !== undefined && bytes.length !== size) {
    throw new RegistryError('size-mismatch', name, `registry ${name}: ${what}: the registry sent ${bytes.length} bytes, but its descriptor gives ${size}; refused`);
  }
  return bytes;
}

function tooLarge(registry: string, what: string, declared: number | undefined): RegistryError {
  const limit = formatBytes(MAX_MANIFEST_BYTES);
  const size = declared === undefined ? `larger than ${limit}` : `${declared} bytes, more than ${limit}`;
  return new RegistryError('too-large', registry, `registry ${registry}: ${what} is ${size} (kiln's limit for manifests, indexes and configs); refused`);
}

/**
 * Whether `bytes` hash to `digest` (`algorithm:hex`). Algorithms kiln cannot
 * compute are not held against the registry; only a digest it can check and
 * that differs is a mismatch.
 */
function matchesDigest(bytes: Buffer, digest: string): boolean {
  const m = /^(sha256|sha384|sha512):([a-f0-9]+)$/.exec(digest);
  if (m === null) return true;
  return createHash(m[1] as string).update(bytes).digest('hex') === m[2];
}

/** Parses a registry's JSON document; bad JSON is a `protocol` RegistryError naming `what`. */
export function parseJson<T>(bytes: Buffer, what: string, registry: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (err) {
    throw new RegistryError('protocol', registry, `registry ${registry}: ${what} is not valid JSON (${(err as Error).message})`);
  }
}

export function isIndex(mediaType: string): boolean {
  return mediaType === MediaType.index || mediaType === MediaType.dockerManifestList;
}

export function isImageManifest(mediaType: string): boolean {
  return mediaType === MediaType.manifest || mediaType === MediaType.dockerManifest;
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
  const parsed = parseJson<Partial<Manifest> | null>(m.bytes, `manifest ${subject}`, registry);
  if (parsed === null || typeof parsed !== 'object' || parsed.schemaVersion !== 2 || parsed.config === undefined || !Array.isArray(parsed.layers)) {
    throw new RegistryError('unsupported', registry, `manifest ${subject}: not a schema 2 image manifest (${m.mediaType})`);
  }
  for (const d of [parsed.config, ...parsed.layers]) checkDescriptor(d, `manifest ${subject}`, registry);
  return parsed as Manifest;
}

/**
 * Checks what kiln relies on in a descriptor from a registry: a sha256
 * digest (it becomes a URL and a store path) and a size (downloads are held
 * to it). See https://github.com/opencontainers/image-spec/blob/main/descriptor.md
 */
export function checkDescriptor(d: unknown, where: string, registry: string): asserts d is Descriptor {
  const desc = d as Partial<Descriptor> | null;
  const digest = typeof desc === 'object' && desc !== null ? desc.digest : undefined;
  const size = typeof desc === 'object' && desc !== null ? desc.size : undefined;
  if (typeof digest !== 'string' || !isDigest(digest)) {
    throw new RegistryError('unsupported', registry, `${where}: descriptor digest ${JSON.stringify(digest)} is not a sha256 digest`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new RegistryError('protocol', registry, `${where}: descriptor ${digest} has no valid size (${JSON.stringify(size)})`);
  }
}
