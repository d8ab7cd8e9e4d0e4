/** Turns what an archive held (blobs, JSON files) into stored, named images; see load.ts. */
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { isDigest, sha256, type Digest } from '../../util/digest.js';
import { InvalidArgumentError } from '../../util/errors.js';
import { MediaType, REF_NAME, type Descriptor, type ImageConfig, type Index, type Manifest } from '../../oci/index.js';
import { familiarName, normalizeName, parseReference } from './reference.js';
import type { ImageStore } from './store.js';
import { hostPlatform } from '../../oci/index.js';
import { jsonBlob } from './write.js';

/** The parts of an archive load.ts keeps: small JSON files, stored files by path, links. */
export interface ArchiveContents {
  readonly json: Map<string, Buffer>;
  readonly files: Map<string, Digest>;
  readonly links: Map<string, string>;
}

interface LegacyItem {
  Config?: string;
  RepoTags?: string[] | null;
  Layers?: string[];
}

/** Stores the images an archive describes; returns their names (or ids). */
export async function resolveImages(store: ImageStore, c: ArchiveContents, label: string): Promise<{ loaded: string[] }> {
  const index = c.json.get('index.json');
  const legacy = c.json.get('manifest.json');
  if (legacy !== undefined) return loadLegacy(store, c, parseJson<LegacyItem[]>(legacy, 'manifest.json', label), label);
  if (index !== undefined) return loadIndex(store, parseJson<Index>(index, 'index.json', label), label);
  throw new InvalidArgumentError(`${label}: not an image archive (no manifest.json or index.json)`);
}

function parseJson<T>(buf: Buffer, name: string, label: string): T {
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (err) {
    throw new InvalidArgumentError(`${label}: ${name} is not valid JSON`, { cause: err });
  }
}

async function loadLegacy(store: ImageStore, c: ArchiveContents, items: LegacyItem[], label: string): Promise<{ loaded: string[] }> {
  if (!Array.isArray(items) || items.length === 0) throw new InvalidArgumentError(`${label}: manifest.json lists no images`);
  const staged: [Descriptor, string[]][] = [];
  for (const item of items) {
    if (typeof item.Config !== 'string' || !Array.isArray(item.Layers)) throw new InvalidArgumentError(`${label}: manifest.json entry without Config or Layers`);
    const configDigest = await fileDigest(store, c, item.Config, label);
    const configBuf = await store.content.readAll(configDigest);
    const config = parseJson<ImageConfig>(configBuf, item.Config, label);
    const layers: Descriptor[] = [];
    for (const path of item.Layers) layers.push({ mediaType: MediaType.dockerLayer, digest: await fileDigest(store, c, path, label), size: 0 });
    const configDesc: Descriptor = { mediaType: MediaType.config, digest: configDigest, size: configBuf.length };
    const manifest = await normalizeImage(store, configDesc, config, layers, undefined, label);
    staged.push([manifest, validNames(item.RepoTags ?? [], label)]);
  }
  return commit(store, staged);
}

async function loadIndex(store: ImageStore, index: Index, label: string): Promise<{ loaded: string[] }> {
  if (!Array.isArray(index.manifests) || index.manifests.length === 0) throw new InvalidArgumentError(`${label}: index.json lists no images`);
  const staged: [Descriptor, string[]][] = [];
  for (const outer of index.manifests) {
    const desc = await pickPlatform(store, outer, label);
    const manifest = parseJson<Manifest>(await readBlob(store, desc.digest, 'manifest', label), desc.digest, label);
    const config = parseJson<ImageConfig>(await readBlob(store, manifest.config.digest, 'config', label), manifest.config.digest, label);
    const stored = await normalizeImage(store, manifest.config, config, manifest.layers, desc, label);
    staged.push([stored, validNames(namesOf(outer), label)]);
  }
  return commit(store, staged);
}

async function commit(store: ImageStore, staged: [Descriptor, string[]][]): Promise<{ loaded: string[] }> {
  const loaded: string[] = [];
  for (const [manifest, names] of staged) {
    await store.put(manifest, names);
    const image = await store.get(manifest.digest);
    loaded.push(...(names.length > 0 ? names.map((n) => familiarName(parseReference(n))) : [image.id]));
  }
  return { loaded };
}

function namesOf(d: Descriptor): string[] {
  const full = d.annotations?.['io.containerd.image.name'];
  if (full !== undefined) return [full];
  const ref = d.annotations?.[REF_NAME];
  // A bare tag ("latest") names no repository; only full references are names.
  return ref !== undefined && /[/:]/.test(ref) ? [ref] : [];
}

function validNames(names: readonly string[], label: string): string[] {
  return names.map((n) => {
    try {
      return normalizeName(n);
    } catch (err) {
      throw new InvalidArgumentError(`${label}: bad image name ${JSON.stringify(n)}`, { cause: err });
    }
  });
}

async function pickPlatform(store: ImageStore, d: Descriptor, label: string): Promise<Descriptor> {
  if (d.mediaType !== MediaType.index && d.mediaType !== MediaType.dockerManifestList) return d;
  const nested = parseJson<Index>(await readBlob(store, d.digest, 'index', label), d.digest, label);
  const host = hostPlatform();
  const hit = nested.manifests.find((m) => m.platform?.architecture === host.architecture && m.platform.os === host.os);
  if (hit === undefined) throw new InvalidArgumentError(`${label}: image ${d.digest} has no ${host.os}/${host.architecture} manifest`);
  return hit;
}

async function readBlob(store: ImageStore, d: Digest, what: string, label: string): Promise<Buffer> {
  if (!isDigest(d) || !(await store.content.has(d))) throw new InvalidArgumentError(`${label}: ${what} blob ${d} is missing from the archive`);
  return store.content.readAll(d);
}

async function fileDigest(store: ImageStore, c: ArchiveContents, path: string, label: string): Promise<Digest> {
  let p = path;
  for (let hops = 0; c.links.has(p) && hops < 16; hops++) p = c.links.get(p) ?? p;
  const stored = c.files.get(p);
  if (stored !== undefined) return stored;
  const json = c.json.get(p);
  if (json !== undefined) return (await store.content.writeBuffer(json, { digest: sha256(json) })).digest;
  throw new InvalidArgumentError(`${label}: ${path} is referenced by manifest.json but missing from the archive`);
}

/**
 * Makes every layer an uncompressed blob whose digest is its diff_id, then
 * returns the manifest to store: the original when nothing changed, else a new one.
 */
export async function normalizeImage(
  store: ImageStore,
  configDesc: Descriptor,
  config: ImageConfig,
  layers: readonly Descriptor[],
  original: Descriptor | undefined,
  label: string,
): Promise<Descriptor> {
  const diffIDs = config.rootfs?.diff_ids ?? [];
  if (diffIDs.length !== layers.length) {
    throw new InvalidArgumentError(`${label}: image config lists ${diffIDs.length} layers but the manifest has ${layers.length}`);
  }
  let changed = original === undefined;
  const out: Descriptor[] = [];
  for (const [i, layer] of layers.entries()) {
    const plain = await uncompressed(store, await readBlobDigest(store, layer.digest, label));
    if (plain.digest !== diffIDs[i]) {
      throw new InvalidArgumentError(`${label}: layer ${i + 1} (${layer.digest}) does not match the config's diff_id ${diffIDs[i] ?? '?'}`);
    }
    if (plain.digest !== layer.digest || (layer.mediaType !== MediaType.layer && layer.mediaType !== MediaType.dockerLayer)) changed = true;
    out.push({ mediaType: MediaType.layer, digest: plain.digest, size: plain.size });
  }
  if (!changed && original !== undefined) return original;
  const manifest: Manifest = { schemaVersion: 2, mediaType: MediaType.manifest, config: { mediaType: MediaType.config, digest: configDesc.digest, size: configDesc.size }, layers: out };
  const text = jsonBlob(manifest);
  const info = await store.content.writeBuffer(text, { digest: sha256(text) });
  return { mediaType: MediaType.manifest, digest: info.digest, size: info.size };
}

async function readBlobDigest(store: ImageStore, d: Digest, label: string): Promise<Digest> {
  if (!isDigest(d) || !(await store.content.has(d))) throw new InvalidArgumentError(`${label}: layer blob ${d} is missing from the archive`);
  return d;
}

/** The uncompressed form of a stored blob (itself when not gzip). */
async function uncompressed(store: ImageStore, d: Digest): Promise<{ digest: Digest; size: number }> {
  const fh = await open(store.content.path(d), 'r');
  const head = Buffer.alloc(2);
  try {
    await fh.read(head, 0, 2, 0);
  } finally {
    await fh.close();
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) return { digest: d, size: (await store.content.info(d)).size };
  const gz = createGunzip();
  const done = pipeline(await store.content.reader(d), gz);
  const info = await store.content.writeStream(gz);
  await done;
  return { digest: info.digest, size: info.size };
}
