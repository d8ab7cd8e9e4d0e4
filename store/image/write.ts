import type { ContentStore } from '../../cache/index.js';
import { sha256, type Digest } from '../../util/digest.js';
import { MediaType, type Descriptor, type ImageConfig, type Manifest } from '../../oci/index.js';

/** Canonical JSON for blobs kiln writes: stable key order as given, no spaces. */
export function jsonBlob(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * Writes an image's config and manifest into the content store (layers must
 * be there already) and returns the manifest descriptor.
 */
export async function writeImage(content: ContentStore, config: ImageConfig, layers: readonly Descriptor[], annotations: Readonly<Record<string, string>> = {}): Promise<Descriptor> {
  const configText = jsonBlob(config);
  const cfg = { digest: sha256(configText), size: Buffer.byteLength(configText) };
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.manifest,
    config: { mediaType: MediaType.config, digest: cfg.digest, size: cfg.size },
    layers,
    // https://github.com/opencontainers/image-spec/blob/main/manifest.md: annotations are optional; none leaves the digest as before.
    ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
  };
  const text = jsonBlob(manifest);
  const m = { digest: sha256(text), size: Buffer.byteLength(text) };
  // Asked together, the two are recorded as used in one turn at the GC lock (cache/guard.ts); a cached rebuild writes nothing.
  const [haveConfig, haveManifest] = await Promise.all([content.has(cfg.digest), content.has(m.digest)]);
  // The config before the manifest that names it.
  if (!haveConfig) await content.writeBuffer(configText, { digest: cfg.digest });
  if (!haveManifest) await content.writeBuffer(text, { digest: m.digest });
  return { mediaType: MediaType.manifest, digest: m.digest, size: m.size };
}

/**
 * Chain IDs of a layer stack: `chain[0] = diffID[0]`,
 * `chain[i] = sha256(chain[i-1] + " " + diffID[i])`.
 * See https://github.com/opencontainers/image-spec/blob/main/config.md#layer-chainid
 */
export function chainIDs(diffIDs: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIDs) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256(`${prev} ${d}`));
  }
  return out;
}

/** RFC 3339 time for config `created` fields, honouring SOURCE_DATE_EPOCH. */
export function createdNow(env: NodeJS.ProcessEnv = process.env): string {
  const epoch = env.SOURCE_DATE_EPOCH;
  const ms = epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : Date.now();
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
