/**
 * An OCI image layout directory on the host (`--build-context NAME=oci-layout://DIR[:TAG|@DIGEST]`):
 * the image it names is copied into the content store, verified blob by blob,
 * and recorded without a name, so the builder reads it like any stored image.
 * Every file of the layout is resolved beneath DIR by the root-confined
 * resolver: a descriptor is only ever a digest, never a path, and a symlink in
 * the layout that leaves DIR is refused.
 * https://github.com/opencontainers/image-spec/blob/main/image-layout.md
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { digestHex, isDigest } from '../../util/digest.js';
import { findError, InvalidArgumentError, KilnError, NotFoundError } from '../../util/errors.js';
import { resolveBeneathSync } from '../../util/root-path.js';
import { MediaType, REF_NAME, type Descriptor, type ImageConfig, type Index, type Manifest, type Platform } from '../../oci/index.js';
import { normalizeImage } from './load-resolve.js';
import type { ImageRecord, ImageStore } from './store.js';

const MAX_JSON = 4 * 1024 * 1024;

/** Which image of the layout: by tag (`org.opencontainers.image.ref.name`), or by manifest digest. */
export interface LayoutSelector {
  readonly tag?: string | undefined;
  readonly digest?: string | undefined;
}

/** Imports the image `sel` names from the layout in `dir` (for `platform` when it is an index); `label` names it in errors. */
export async function importLayout(store: ImageStore, dir: string, sel: LayoutSelector, platform: Platform, label: string, signal?: AbortSignal): Promise<ImageRecord> {
  const layout = new LayoutReader(store, dir, label, signal);
  const index = await layout.json<Index>(layout.file('index.json'), 'index.json');
  if (!Array.isArray(index.manifests)) throw new InvalidArgumentError(`${label}: index.json has no manifests list`);
  let desc = pick(index.manifests, sel, label);
  if (desc.mediaType === MediaType.index || desc.mediaType === MediaType.dockerManifestList) {
    const nested = await layout.json<Index>(await layout.blob(desc), desc.digest);
    const hit = (nested.manifests ?? []).find((m) => m.platform?.os === platform.os && m.platform.architecture === platform.architecture && (platform.variant === undefined || m.platform.variant === undefined || m.platform.variant === platform.variant));
    if (hit === undefined) throw new NotFoundError(`${label}: image index ${desc.digest} has no ${platform.os}/${platform.architecture} manifest`);
    desc = hit;
  }
  const manifest = await layout.json<Manifest>(await layout.blob(desc), desc.digest);
  if (manifest.config === undefined || !Array.isArray(manifest.layers)) throw new InvalidArgumentError(`${label}: ${desc.digest} is not an image manifest`);
  const config = await layout.json<ImageConfig>(await layout.blob(manifest.config), manifest.config.digest);
  for (const l of manifest.layers) await layout.blob(l);
  const stored = await normalizeImage(store, manifest.config, config, manifest.layers, { mediaType: MediaType.manifest, digest: desc.digest, size: desc.size }, label);
  await store.put(stored, []);
  return store.get(stored.digest);
}

/** The index entry `sel` names: a digest, a tag, else `latest`, else the only entry. */
function pick(manifests: readonly Descriptor[], sel: LayoutSelector, label: string): Descriptor {
  if (sel.digest !== undefined) {
    const hit = manifests.find((m) => m.digest === sel.digest);
    if (hit === undefined) throw new NotFoundError(`${label}: no manifest ${sel.digest} in index.json`);
    return hit;
  }
  const tag = sel.tag ?? 'latest';
  const named = manifests.find((m) => {
    const ref = m.annotations?.[REF_NAME];
    return ref === tag || (ref !== undefined && ref.endsWith(`:${tag}`) && !ref.slice(ref.lastIndexOf(':')).includes('/'));
  });
  if (named !== undefined) return named;
  const only = manifests[0];
  if (sel.tag === undefined && manifests.length === 1 && only !== undefined) return only;
  throw new NotFoundError(`${label}: no image tagged ${JSON.stringify(tag)} in index.json (${manifests.length} entries)`);
}

/** Reads a layout's files, each resolved beneath its directory. */
class LayoutReader {
  readonly store: ImageStore;
  readonly dir: string;
  readonly label: string;
  readonly signal: AbortSignal | undefined;

  constructor(store: ImageStore, dir: string, label: string, signal: AbortSignal | undefined) {
    this.store = store;
    this.dir = dir;
    this.label = label;
    this.signal = signal;
  }

  /** The host path of `rel` inside the layout; leaving it (a `..`, a symlink out) is refused. */
  file(rel: string): string {
    try {
      return resolveBeneathSync(this.dir, rel, `${rel} in ${this.label}`);
    } catch (err) {
      if (findError(err, NotFoundError) !== undefined) throw new NotFoundError(`${this.label}: ${rel} not found (not an OCI image layout?)`, { cause: err });
      if (err instanceof KilnError) throw new InvalidArgumentError(`${this.label}: ${err.message}`, { cause: err });
      throw err;
    }
  }

  async json<T>(path: string, what: string): Promise<T> {
    if ((await stat(path)).size > MAX_JSON) throw new InvalidArgumentError(`${this.label}: ${what} is larger than ${MAX_JSON} bytes`);
    try {
      return JSON.parse(await readFile(path, 'utf8')) as T;
    } catch (err) {
      throw new InvalidArgumentError(`${this.label}: ${what} is not valid JSON`, { cause: err });
    }
  }

  /** Copies the blob `d` describes into the content store (digest and size checked); returns its stored path. */
  async blob(d: Descriptor): Promise<string> {
    const digest = d.digest as string;
    if (typeof digest !== 'string' || !isDigest(digest)) throw new InvalidArgumentError(`${this.label}: ${JSON.stringify(digest)} is not a sha256 digest`);
    if (!(await this.store.content.has(digest))) {
      const path = this.file(`blobs/sha256/${digestHex(digest)}`);
      try {
        await this.store.content.writeStream(createReadStream(path), { digest, size: d.size }, this.signal === undefined ? {} : { signal: this.signal });
      } catch (err) {
        throw new InvalidArgumentError(`${this.label}: blob ${digest}: ${(err as Error).message}`, { cause: err });
      }
    }
    return this.store.content.path(digest);
  }
}
