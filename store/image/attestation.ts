/**
 * Attestations stored the way BuildKit stores them: the image becomes an
 * OCI image index holding the platform manifest and, after it, one
 * attestation manifest (platform `unknown/unknown`, annotations
 * `vnd.docker.reference.type: attestation-manifest` and
 * `vnd.docker.reference.digest: <image manifest digest>`) whose layers are
 * in-toto statements (`application/vnd.in-toto+json`, annotated with
 * `in-toto.io/predicate-type`). The attestation manifest's config is an image
 * config for platform unknown/unknown (BuildKit's `oci-artifact=false` form,
 * which every registry accepts).
 * See https://github.com/moby/buildkit/blob/master/docs/attestations/attestation-storage.md
 */
import { readVerified, type ContentStore } from '../../cache/index.js';
import { sha256, type Digest } from '../../util/digest.js';
import { MediaType, type Descriptor, type Index, type Manifest, type Platform } from '../../oci/index.js';

export const IN_TOTO_MEDIA_TYPE = 'application/vnd.in-toto+json';
export const PREDICATE_TYPE_ANNOTATION = 'in-toto.io/predicate-type';
export const REFERENCE_TYPE = 'vnd.docker.reference.type';
export const REFERENCE_DIGEST = 'vnd.docker.reference.digest';
export const ATTESTATION_MANIFEST = 'attestation-manifest';

/** The platform of an attestation manifest: no runtime ever picks it. */
export const UNKNOWN_PLATFORM: Platform = { architecture: 'unknown', os: 'unknown' };

/** One in-toto statement, serialized, with its predicate type. */
export interface StatementBlob {
  readonly predicateType: string;
  readonly bytes: Buffer;
}

/**
 * Where the blobs of an attestation index go: the local content store, or a
 * registry (blobs uploaded, manifests put by digest, the index put under the tag).
 */
export type BlobSink = (bytes: Buffer, digest: Digest, kind: 'blob' | 'manifest' | 'index') => Promise<void>;

/** True for an index entry that is an attestation manifest (not a runnable image). */
export function isAttestationEntry(d: Descriptor): boolean {
  return d.annotations?.[REFERENCE_TYPE] === ATTESTATION_MANIFEST || (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown');
}

/**
 * Writes `statements` as an attestation manifest for `image` (its platform
 * manifest, with `platform`) and the index holding both; returns the index
 * descriptor. Every blob goes through `sink` (nothing is written twice by a
 * content store that already has it).
 */
export async function writeAttestedIndex(sink: BlobSink, image: Descriptor, platform: Platform, statements: readonly StatementBlob[], annotations?: Readonly<Record<string, string>>): Promise<Descriptor> {
  const layers: Descriptor[] = [];
  for (const s of statements) {
    const digest = sha256(s.bytes);
    await sink(s.bytes, digest, 'blob');
    layers.push({ mediaType: IN_TOTO_MEDIA_TYPE, digest, size: s.bytes.length, annotations: { [PREDICATE_TYPE_ANNOTATION]: s.predicateType } });
  }
  const config = Buffer.from(JSON.stringify({ architecture: UNKNOWN_PLATFORM.architecture, os: UNKNOWN_PLATFORM.os, config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }));
  const configDigest = sha256(config);
  await sink(config, configDigest, 'blob');
  const manifest: Manifest = { schemaVersion: 2, mediaType: MediaType.manifest, config: { mediaType: MediaType.config, digest: configDigest, size: config.length }, layers };
  const mBytes = Buffer.from(JSON.stringify(manifest));
  const mDigest = sha256(mBytes);
  await sink(mBytes, mDigest, 'manifest');
  const { annotations: _drop, platform: _p, ...plain } = image;
  const index: Index = {
    schemaVersion: 2,
    mediaType: MediaType.index,
    manifests: [
      { ...plain, platform },
      { mediaType: MediaType.manifest, digest: mDigest, size: mBytes.length, annotations: { [REFERENCE_DIGEST]: image.digest, [REFERENCE_TYPE]: ATTESTATION_MANIFEST }, platform: UNKNOWN_PLATFORM },
    ],
    ...(annotations === undefined || Object.keys(annotations).length === 0 ? {} : { annotations }),
  };
  const iBytes = Buffer.from(JSON.stringify(index));
  const iDigest = sha256(iBytes);
  await sink(iBytes, iDigest, 'index');
  return { mediaType: MediaType.index, digest: iDigest, size: iBytes.length };
}

/** A sink writing everything into the local content store. */
export function contentSink(content: ContentStore): BlobSink {
  return async (bytes, digest) => {
    if (!(await content.has(digest))) await content.writeBuffer(bytes, { digest });
  };
}

/** The statements of a stored attestation index (every attestation manifest's in-toto layers), in order. */
export async function readStatements(content: ContentStore, index: Index): Promise<StatementBlob[]> {
  const out: StatementBlob[] = [];
  for (const d of index.manifests) {
    if (!isAttestationEntry(d)) continue;
    const m = JSON.parse((await readVerified(content, d.digest)).toString('utf8')) as Manifest;
    for (const l of m.layers) {
      if (l.mediaType !== IN_TOTO_MEDIA_TYPE) continue;
      out.push({ predicateType: l.annotations?.[PREDICATE_TYPE_ANNOTATION] ?? '', bytes: await readVerified(content, l.digest) });
    }
  }
  return out;
}

/**
 * A statement about manifest `from` made about manifest `to` instead: the
 * same image serialized another way (pushing gzips the layers, so the
 * registry's manifest has another digest than the local one).
 */
export function retargetStatement(bytes: Buffer, from: Digest, to: Digest): Buffer {
  const st = JSON.parse(bytes.toString('utf8')) as { subject?: { digest?: Record<string, string> }[] };
  const fromHex = from.slice('sha256:'.length);
  let changed = false;
  for (const s of st.subject ?? []) {
    if (s.digest?.sha256 === fromHex) {
      s.digest.sha256 = to.slice('sha256:'.length);
      changed = true;
    }
  }
  return changed ? Buffer.from(JSON.stringify(st)) : bytes;
}
