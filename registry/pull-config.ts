/**
 * The config blob of a pull. It is downloaded through an ingest claimed for
 * its digest and held until the pull has all layers, so another kiln pulling
 * the same image into the same root waits and then finds everything stored
 * (see ingest-claim.ts), and a failed pull stores no config (no image id).
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs
 */
import type { ContentStore } from '../cache/content/index.js';
import type { Descriptor } from '../store/index.js';
import { sha256, type Digest } from '../util/digest.js';
import type { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { claimIngest } from './ingest-claim.js';
import { formatBytes, MAX_MANIFEST_BYTES } from './limits.js';
import { readDocument } from './manifest.js';
import type { ProgressSink } from './progress.js';

export interface ConfigContext {
  readonly client: RegistryClient;
  readonly content: ContentStore;
  readonly path: string;
  readonly scopes: readonly string[];
  /** The image reference, for messages. */
  readonly subject: string;
  readonly signal?: AbortSignal | undefined;
  readonly progress?: ProgressSink | undefined;
}

/** A verified config, not stored yet unless it was stored before. */
export interface PendingConfig {
  readonly bytes: Buffer;
  /** Stores the config (once the pull has everything else). */
  store(): Promise<{ readonly digest: Digest; readonly size: number }>;
  /** Gives up the claim without storing; harmless after store(). */
  release(): Promise<void>;
}

/** The config `desc` of `ctx.subject`, from the store when there, else from the registry. */
export async function obtainConfig(ctx: ConfigContext, desc: Descriptor): Promise<PendingConfig> {
  const onWait = (): void => ctx.progress?.({ kind: 'blob', digest: desc.digest, status: 'waiting', size: desc.size });
  const writer = await claimIngest(ctx.content, `config-${desc.digest}`, desc.digest, { signal: ctx.signal, onWait });
  if (writer === undefined) {
    const bytes = await ctx.content.readAll(desc.digest);
    return { bytes, store: async () => ({ digest: desc.digest, size: bytes.length }), release: async () => undefined };
  }
  try {
    const bytes = await fetchConfig(ctx.client, ctx.path, desc, ctx.subject, ctx.scopes, ctx.signal);
    await writer.write(bytes);
    return {
      bytes,
      store: async () => {
        const info = await writer.commit({ digest: desc.digest, size: bytes.length });
        return { digest: info.digest, size: info.size };
      },
      release: () => writer.abort(),
    };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/**
 * GETs the config blob: exactly its descriptor's size (at most
 * {@link MAX_MANIFEST_BYTES}) and digest. A body that stalls or breaks off is
 * fetched again.
 */
export async function fetchConfig(client: RegistryClient, path: string, desc: Descriptor, subject: string, scopes: readonly string[], signal?: AbortSignal): Promise<Buffer> {
  const name = client.host.name;
  const what = `repository ${path}: config ${desc.digest} of ${subject}`;
  if (desc.size > MAX_MANIFEST_BYTES) {
    throw new RegistryError('too-large', name, `registry ${name}: ${what} is ${desc.size} bytes, more than ${formatBytes(MAX_MANIFEST_BYTES)} (kiln's limit for manifests, indexes and configs); refused`);
  }
  return client.exchange({ method: 'GET', url: `/v2/${path}/blobs/${desc.digest}`, scopes, signal }, async (res) => {
    if (!res.ok) throw await client.error(res, `config ${desc.digest} of ${subject}`, 'blob-unknown');
    const bytes = await readDocument(client, res, what, desc.size);
    const got = sha256(bytes);
    if (got !== desc.digest) {
      throw new RegistryError('digest-mismatch', name, `image ${subject}: config blob has digest ${got}, expected ${desc.digest}; refused, nothing stored`);
    }
    return bytes;
  });
}
