/**
 * `kiln build --metadata-file F`: the build's result as buildx writes it, so
 * CI steps that read `containerimage.digest` or `image.name` work unchanged.
 * `buildx.build.ref` names builder/node/build; kiln has one local "builder".
 */
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../util/atomic-write.js';

/** What the metadata file records. */
export interface BuildMetadata {
  readonly manifest: { readonly mediaType: string; readonly digest: string; readonly size: number };
  readonly configDigest: string;
  /** Normalized names (`-t`), in order. */
  readonly names: readonly string[];
}

/** A build ref in buildx's shape: builder/node/id (the id: 25 lowercase base-36 characters). */
export function buildRef(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  const id = [...randomBytes(25)].map((b) => alphabet[b % 36]).join('');
  return `kiln/local/${id}`;
}

/** The JSON object buildx writes (keys sorted, as Go's map encoding does). */
export function metadataJson(m: BuildMetadata, ref: string): string {
  const doc: Record<string, unknown> = {
    'buildx.build.ref': ref,
    'containerimage.config.digest': m.configDigest,
    'containerimage.descriptor': { mediaType: m.manifest.mediaType, digest: m.manifest.digest, size: m.manifest.size },
    'containerimage.digest': m.manifest.digest,
  };
  if (m.names.length > 0) doc['image.name'] = m.names.join(',');
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Writes the metadata file (atomically: a reader never sees half of it). */
export async function writeMetadataFile(file: string, m: BuildMetadata): Promise<void> {
  await writeFileAtomic(file, metadataJson(m, buildRef()), 0o644);
}
