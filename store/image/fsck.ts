/**
 * Integrity of the image store for `kiln check`: every index.json entry must
 * point at a manifest whose config and layers are present and intact. The
 * caller has hashed the blobs already and says, per digest, what it found; this
 * module reads index.json directly (not through ImageStore.list, which fails on
 * the first unreadable manifest) so one damaged image cannot hide the others.
 */
import type { Digest } from '../../util/digest.js';
import { isDigest } from '../../util/digest.js';
import { IndexFile, refName } from './index-file.js';
import { MediaType, type Descriptor, type ImageConfig, type Index, type Manifest } from '../../oci/index.js';
import { isAttestationEntry } from './attestation.js';
import { familiarName, parseReference } from './reference.js';
import type { ImageStore } from './store.js';
import { chainIDs } from './write.js';

/** What the caller knows of a blob. */
export type BlobState = 'ok' | 'missing' | 'damaged';

/** Answers what the caller knows of a blob. */
export type BlobStateOf = (d: Digest) => BlobState | Promise<BlobState>;

/** One image (a manifest digest with all its names) as the check saw it. */
export interface ScannedImage {
  readonly manifest: Digest;
  /** Familiar names (`app:1`); empty for an unnamed image. */
  readonly names: readonly string[];
  /** Why the image cannot be used, or undefined when it is whole. */
  readonly damage: string | undefined;
  /** The chain IDs of its layers (the snapshot keys unpacking makes); empty when damaged. */
  readonly chainIDs: readonly Digest[];
}

/** Every image in the store's index.json, each checked against `state`. */
export async function scanImages(images: ImageStore, state: BlobStateOf): Promise<ScannedImage[]> {
  const index = await new IndexFile(images.dir).read();
  const byManifest = new Map<Digest, { desc: Descriptor; names: string[] }>();
  for (const d of index.manifests) {
    const entry = byManifest.get(d.digest) ?? { desc: d, names: [] };
    const name = refName(d);
    if (name !== undefined) entry.names.push(familiar(name));
    byManifest.set(d.digest, entry);
  }
  const out: ScannedImage[] = [];
  for (const [digest, { desc, names }] of byManifest) {
    const r = await inspectImage(images, desc, state);
    out.push({ manifest: digest, names, ...r });
  }
  return out;
}

/** Removes every index.json entry (every name) of the given manifests. */
export async function dropImages(images: ImageStore, manifests: ReadonlySet<Digest>): Promise<void> {
  if (manifests.size === 0) return;
  await new IndexFile(images.dir).update((ds) => ds.filter((d) => !manifests.has(d.digest)));
}

type Inspected = { damage: string | undefined; chainIDs: Digest[] };

async function inspectImage(images: ImageStore, desc: Descriptor, state: BlobStateOf): Promise<Inspected> {
  const bad = (damage: string): Inspected => ({ damage, chainIDs: [] });
  if (!isDigest(desc.digest)) return bad(`its index entry has an invalid digest ${JSON.stringify(desc.digest)}`);
  if (desc.mediaType === MediaType.index || desc.mediaType === MediaType.dockerManifestList) return inspectIndex(images, desc.digest, state);
  return inspectManifest(images, desc, state);
}

/** An image stored as an index (with attestations): its image manifest whole, and each attestation manifest's blobs present and intact. */
async function inspectIndex(images: ImageStore, digest: Digest, state: BlobStateOf): Promise<Inspected> {
  const bad = (damage: string): Inspected => ({ damage, chainIDs: [] });
  const idx = await readJson<Index>(images, 'index', digest, state);
  if (typeof idx === 'string') return bad(idx);
  if (!Array.isArray(idx.manifests)) return bad(`index ${digest} has no manifests list`);
  let image: Inspected | undefined;
  for (const d of idx.manifests) {
    if (!isDigest(d.digest)) return bad(`index ${digest} lists an invalid digest ${JSON.stringify(d.digest)}`);
    if (!isAttestationEntry(d)) {
      image ??= await inspectManifest(images, d, state);
      continue;
    }
    const m = await readJson<Manifest>(images, 'attestation manifest', d.digest, state);
    if (typeof m === 'string') return bad(m);
    for (const b of [m.config, ...(Array.isArray(m.layers) ? m.layers : [])]) {
      const s = isDigest(b.digest) ? await state(b.digest) : 'missing';
      if (s !== 'ok') return bad(`attestation blob ${b.digest} is ${s}`);
    }
  }
  return image ?? bad(`index ${digest} holds no image manifest`);
}

async function inspectManifest(images: ImageStore, desc: Descriptor, state: BlobStateOf): Promise<Inspected> {
  const bad = (damage: string): Inspected => ({ damage, chainIDs: [] });
  const m = await readJson<Manifest>(images, 'manifest', desc.digest, state);
  if (typeof m === 'string') return bad(m);
  if (typeof m.config !== 'object' || !Array.isArray(m.layers)) return bad(`manifest ${desc.digest} is not an image manifest`);
  const config = await readJson<ImageConfig>(images, 'config', m.config.digest, state);
  if (typeof config === 'string') return bad(config);
  for (const l of m.layers) {
    const s = isDigest(l.digest) ? await state(l.digest) : 'missing';
    if (s !== 'ok') return bad(`layer ${l.digest} is ${s}`);
  }
  const diffIDs = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIDs) || diffIDs.length !== m.layers.length || !diffIDs.every(isDigest)) {
    return bad(`config ${m.config.digest} does not list one diff_id per layer`);
  }
  return { damage: undefined, chainIDs: chainIDs(diffIDs) };
}

/** The parsed blob, or a sentence saying why it cannot be read. */
async function readJson<T>(images: ImageStore, what: string, digest: Digest, state: BlobStateOf): Promise<T | string> {
  const s = isDigest(digest) ? await state(digest) : 'missing';
  if (s !== 'ok') return `${what} ${digest} is ${s}`;
  let text: string;
  try {
    text = (await images.content.readAll(digest)).toString('utf8');
  } catch (err) {
    return `${what} ${digest} cannot be read: ${(err as Error).message}`;
  }
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null) return v as T;
  } catch {
    // reported below
  }
  return `${what} ${digest} is not a JSON object`;
}

function familiar(name: string): string {
  try {
    return familiarName(parseReference(name));
  } catch {
    return name;
  }
}
