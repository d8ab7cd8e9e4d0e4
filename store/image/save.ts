/**
 * `kiln save`: images → a tar archive. `docker` format is what Docker 25+
 * writes: an OCI layout (oci-layout, index.json, blobs/) plus the legacy
 * `manifest.json` that `docker load` and skopeo's docker-archive transport read.
 * `oci` format is a plain OCI layout archive. Layers are stored uncompressed.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack, type Pack } from 'tar-stream';
import { BlobVerifier, VerifyingStream } from '../../cache/index.js';
import { digestHex, type Digest } from '../../util/digest.js';
import { MediaType, REF_NAME, type Descriptor, type Index } from '../../oci/index.js';
import { familiarName, normalizeName, parseReference } from './reference.js';
import type { ImageRecord, ImageStore } from './store.js';
import { isAttestationEntry } from './attestation.js';

export type ArchiveFormat = 'docker' | 'oci';

interface Selected {
  readonly image: ImageRecord;
  /** Normalized names to record for this image. */
  readonly names: readonly string[];
}

const EPOCH = new Date(0);

/** Writes `refs` to `out` as one archive. Throws NotFoundError before writing if any ref is missing. */
export async function saveImages(store: ImageStore, refs: readonly string[], out: Writable, format: ArchiveFormat, options: SaveOptions = {}): Promise<void> {
  const selected = (await select(store, refs)).map((s) => (options.names === undefined ? s : { ...s, names: [...options.names] }));
  const p = pack();
  const done = pipeline(p, out);
  try {
    await writeArchive(store, selected, p, format);
    p.finalize();
  } catch (err) {
    p.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  await done;
}

/** How the archive names its images. */
export interface SaveOptions {
  /** The names every saved image gets in the archive instead of its stored ones (`kiln build -o type=docker -t NAME`). */
  readonly names?: readonly string[];
}

async function select(store: ImageStore, refs: readonly string[]): Promise<Selected[]> {
  const out: Selected[] = [];
  for (const ref of refs) {
    const image = await store.get(ref);
    let name: string | undefined;
    try {
      name = normalizeName(ref);
    } catch {
      name = undefined;
    }
    const names = name !== undefined && image.names.includes(name) ? [name] : image.names;
    const prev = out.find((s) => s.image.manifest.digest === image.manifest.digest);
    if (prev === undefined) out.push({ image, names });
    else out.splice(out.indexOf(prev), 1, { image, names: [...new Set([...prev.names, ...names])] });
  }
  return out;
}

async function writeArchive(store: ImageStore, selected: readonly Selected[], p: Pack, format: ArchiveFormat): Promise<void> {
  const blobs = new Map<Digest, number>();
  const legacy: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const manifests: Descriptor[] = [];
  for (const { image, names } of selected) {
    const m = await store.manifest(image);
    blobs.set(image.manifest.digest, image.manifest.size);
    blobs.set(m.config.digest, m.config.size);
    for (const l of m.layers) blobs.set(l.digest, l.size);
    // An image stored as an index keeps its attestation manifests in the archive (BuildKit's oci exporter does too).
    for (const [d, size] of await attestationBlobs(store, image)) blobs.set(d, size);
    legacy.push({
      Config: blobPath(m.config.digest),
      RepoTags: names.map((n) => familiarName(parseReference(n))),
      Layers: m.layers.map((l) => blobPath(l.digest)),
    });
    for (const n of names.length > 0 ? names : [undefined]) manifests.push(indexEntry(image.index ?? image.manifest, n, format));
  }
  await entry(p, { name: 'blobs/', type: 'directory', mode: 0o755 });
  await entry(p, { name: 'blobs/sha256/', type: 'directory', mode: 0o755 });
  for (const [digest, size] of blobs) await blobEntry(store, p, digest, size);
  await entry(p, { name: 'oci-layout', mode: 0o644 }, '{"imageLayoutVersion":"1.0.0"}');
  const index: Index = { schemaVersion: 2, mediaType: MediaType.index, manifests };
  await entry(p, { name: 'index.json', mode: 0o644 }, JSON.stringify(index));
  if (format === 'docker') await entry(p, { name: 'manifest.json', mode: 0o644 }, JSON.stringify(legacy));
}

/** The index and attestation blobs of an image stored as an index (none for a plain manifest). */
async function attestationBlobs(store: ImageStore, image: ImageRecord): Promise<Map<Digest, number>> {
  const out = new Map<Digest, number>();
  if (image.index === undefined) return out;
  out.set(image.index.digest, image.index.size);
  for (const d of await store.indexEntries(image)) {
    if (!isAttestationEntry(d)) continue;
    out.set(d.digest, d.size);
    const m = await store.manifest(d);
    for (const b of [m.config, ...m.layers]) out.set(b.digest, b.size);
  }
  return out;
}

function indexEntry(manifest: Descriptor, name: string | undefined, format: ArchiveFormat): Descriptor {
  const { annotations: _drop, ...base } = manifest;
  if (name === undefined) return base;
  const ref = parseReference(name);
  const annotations: Record<string, string> =
    format === 'docker' ? { 'io.containerd.image.name': name, [REF_NAME]: ref.tag ?? 'latest' } : { [REF_NAME]: name };
  return { ...base, annotations };
}

function blobPath(d: Digest): string {
  return `blobs/sha256/${digestHex(d)}`;
}

async function blobEntry(store: ImageStore, p: Pack, digest: Digest, size: number): Promise<void> {
  const src = await store.content.reader(digest);
  const sink = p.entry({ name: blobPath(digest), size, mode: 0o644, mtime: EPOCH, uid: 0, gid: 0 });
  // Hashed on the way: a damaged blob fails the save before its entry is complete.
  await pipeline(src, new VerifyingStream(new BlobVerifier(digest, size)), sink);
}

function entry(p: Pack, header: { name: string; type?: 'directory'; mode: number }, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const h = { ...header, mtime: EPOCH, uid: 0, gid: 0 };
    if (body === undefined) p.entry(h, (err) => (err ? reject(err) : resolve()));
    else p.entry(h, body, (err) => (err ? reject(err) : resolve()));
  });
}
