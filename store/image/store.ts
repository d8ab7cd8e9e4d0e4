/**
 * The local image store: an OCI image layout under `<root>/oci` whose blobs
 * are the content store's, with names kept in index.json. Image ids are config
 * digests, as in Docker.
 */
import { readVerified, type ContentStore } from '../../cache/index.js';
import { isDigest, type Digest } from '../../util/digest.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import { IndexFile, refName, withRefName } from './index-file.js';
import { hostPlatform, MediaType, type Descriptor, type ImageConfig, type Index, type Manifest } from '../../oci/index.js';
import { isAttestationEntry } from './attestation.js';
import { familiarName, normalizeName, parseReference } from './reference.js';
import { rootLayout } from '../../util/root-layout.js';

/** One image: its manifest, its id (config digest) and its names. */
export interface ImageRecord {
  readonly manifest: Descriptor;
  readonly id: Digest;
  /** Normalized references, e.g. `docker.io/library/app:latest`. */
  readonly names: readonly string[];
  /**
   * The image index the image is stored as when it carries attestations
   * (`kiln build --provenance/--sbom`): `manifest` is its platform manifest,
   * and its other entries are attestation manifests (platform unknown/unknown).
   */
  readonly index?: Descriptor;
}

/** See the module comment. Construct with {@link ImageStore.open}. */
export class ImageStore {
  readonly dir: string;
  readonly content: ContentStore;
  readonly #index: IndexFile;

  private constructor(dir: string, content: ContentStore) {
    this.dir = dir;
    this.content = content;
    this.#index = new IndexFile(dir);
  }

  /** Opens (creating when missing) the layout in `dir`, whose `blobs/` is `content`'s. */
  static async open(dir: string, content: ContentStore): Promise<ImageStore> {
    const store = new ImageStore(dir, content);
    await store.#index.init();
    return store;
  }

  /** Every image, newest index entries last, names grouped per manifest. */
  async list(): Promise<ImageRecord[]> {
    const idx = await this.#index.read();
    const byDigest = new Map<string, { manifest: Descriptor; names: string[] }>();
    for (const d of idx.manifests) {
      const entry = byDigest.get(d.digest) ?? { manifest: withRefName(d, undefined), names: [] };
      const name = refName(d);
      if (name !== undefined && !entry.names.includes(name)) entry.names.push(name);
      byDigest.set(d.digest, entry);
    }
    const out: ImageRecord[] = [];
    for (const e of byDigest.values()) {
      if (!isIndexType(e.manifest.mediaType)) {
        out.push({ manifest: e.manifest, names: e.names, id: await this.#configDigest(e.manifest) });
        continue;
      }
      const manifest = await this.#platformManifest(e.manifest);
      out.push({ manifest, names: e.names, id: await this.#configDigest(manifest), index: e.manifest });
    }
    return out;
  }

  /** What index.json holds for `image`: its index, or its manifest. */
  static stored(image: ImageRecord): Descriptor {
    return image.index ?? image.manifest;
  }

  /** The entries of an image's index (empty for an image stored as a plain manifest). */
  async indexEntries(image: ImageRecord): Promise<readonly Descriptor[]> {
    if (image.index === undefined) return [];
    return (JSON.parse((await readVerified(this.content, image.index.digest)).toString('utf8')) as Index).manifests;
  }

  /** Index digest → its platform manifest; immutable content, so the answer never changes. */
  readonly #platformOf = new Map<string, Descriptor>();

  /** The runnable manifest of an index kiln stored: the host's platform, never an attestation manifest. */
  async #platformManifest(index: Descriptor): Promise<Descriptor> {
    const known = this.#platformOf.get(index.digest);
    if (known !== undefined) return known;
    const idx = JSON.parse((await readVerified(this.content, index.digest)).toString('utf8')) as Index;
    const runnable = (Array.isArray(idx.manifests) ? idx.manifests : []).filter((d) => !isAttestationEntry(d) && !isIndexType(d.mediaType));
    const host = hostPlatform();
    const chosen = runnable.find((d) => d.platform?.os === host.os && d.platform.architecture === host.architecture) ?? runnable[0];
    if (chosen === undefined) throw new FailedPreconditionError(`image index ${index.digest} holds no image manifest`);
    const { platform: _p, annotations: _a, ...plain } = chosen;
    this.#platformOf.set(index.digest, plain);
    return plain;
  }

  /** Manifest digest → config digest; both are immutable content, so the answer never changes. */
  readonly #configOf = new Map<string, Digest>();

  /**
   * Finds an image by name (`app`, `app:1`, `localhost:5000/x`), by id or a
   * unique id prefix (with or without `sha256:`), or by manifest digest.
   */
  async get(ref: string): Promise<ImageRecord> {
    const images = await this.list();
    const name = tryNormalize(ref);
    if (name !== undefined) {
      const hit = images.find((i) => i.names.includes(name));
      if (hit !== undefined) return hit;
    }
    const hex = ref.startsWith('sha256:') ? ref.slice(7) : ref;
    if (/^[a-f0-9]{4,64}$/.test(hex)) {
      const hits = images.filter((i) => i.id.slice(7).startsWith(hex) || i.manifest.digest.slice(7).startsWith(hex) || (i.index?.digest.slice(7).startsWith(hex) ?? false));
      if (hits.length === 1 && hits[0] !== undefined) return hits[0];
      if (hits.length > 1) throw new InvalidArgumentError(`image id prefix ${ref} is ambiguous: ${hits.length} images match`);
    }
    throw new NotFoundError(`image ${ref}: not in the local store`);
  }

  async manifest(image: ImageRecord | Descriptor): Promise<Manifest> {
    const desc = 'manifest' in image ? image.manifest : image;
    return JSON.parse((await readVerified(this.content, desc.digest)).toString('utf8')) as Manifest;
  }

  async config(image: ImageRecord): Promise<ImageConfig> {
    return JSON.parse((await readVerified(this.content, image.id)).toString('utf8')) as ImageConfig;
  }

  /** Records `manifest` under `names` (normalized; each name moves off any other image). */
  async put(manifest: Descriptor, names: readonly string[]): Promise<void> {
    const normalized = names.map(normalizeName);
    const base = withRefName(manifest, undefined);
    // The same image stored as a plain manifest before (a build without attestations) is not left behind as <none>.
    const covered = isIndexType(manifest.mediaType) ? new Set([(await this.#platformManifest(manifest)).digest]) : new Set<string>();
    await this.#index.update((ds) => {
      let kept = ds.filter((d) => {
        const n = refName(d);
        return n === undefined ? d.digest !== base.digest : !normalized.includes(n);
      });
      kept = dropDanglingDuplicates(kept);
      if (normalized.length === 0) {
        if (!kept.some((d) => d.digest === base.digest)) kept.push(base);
      } else {
        for (const n of normalized) kept.push(withRefName(base, n));
      }
      return keepOrphansDangling(ds, kept).filter((d) => refName(d) !== undefined || !covered.has(d.digest));
    });
  }

  /** Adds `name` to the image `ref` names. */
  async tag(ref: string, name: string): Promise<void> {
    const image = await this.get(ref);
    await this.put(ImageStore.stored(image), [name]);
  }

  /**
   * Docker's `rmi`: a name removes that name and, if it was the last, the
   * image; an id removes the image when it has at most one name (or `force`).
   * Returns what happened, for printing.
   */
  async remove(ref: string, options: { force?: boolean } = {}): Promise<{ untagged: string[]; deleted: Digest | undefined }> {
    const image = await this.get(ref);
    const name = tryNormalize(ref);
    const byName = name !== undefined && image.names.includes(name);
    if (!byName && image.names.length > 1 && options.force !== true) {
      const list = image.names.map((n) => familiarName(parseReference(n))).join(', ');
      throw new FailedPreconditionError(`image ${ref} is referenced by several names (${list}): remove them by name, or use --force`);
    }
    const untag = byName && name !== undefined ? [name] : [...image.names];
    const deleted = image.names.length - untag.length === 0;
    await this.#index.update((ds) =>
      ds.filter((d) => d.digest !== ImageStore.stored(image).digest || (!deleted && !untag.includes(refName(d) ?? ''))),
    );
    return { untagged: untag.map((n) => familiarName(parseReference(n))), deleted: deleted ? image.id : undefined };
  }

  /** Every blob digest the stored images reference (indexes, manifests, configs, layers, attestations). */
  async referencedBlobs(): Promise<Set<Digest>> {
    const out = new Set<Digest>();
    for (const image of await this.list()) {
      out.add(image.manifest.digest);
      out.add(image.id);
      for (const l of (await this.manifest(image)).layers) out.add(l.digest);
      if (image.index === undefined) continue;
      out.add(image.index.digest);
      for (const d of await this.indexEntries(image)) {
        if (!isAttestationEntry(d) || !isDigest(d.digest)) continue;
        out.add(d.digest);
        const m = await this.manifest(d);
        out.add(m.config.digest as Digest);
        for (const l of m.layers) out.add(l.digest);
      }
    }
    return out;
  }

  async #configDigest(manifest: Descriptor): Promise<Digest> {
    const known = this.#configOf.get(manifest.digest);
    if (known !== undefined) return known;
    const id = await this.#readConfigDigest(manifest);
    this.#configOf.set(manifest.digest, id);
    return id;
  }

  async #readConfigDigest(manifest: Descriptor): Promise<Digest> {
    if (manifest.mediaType !== MediaType.manifest && manifest.mediaType !== MediaType.dockerManifest) {
      throw new FailedPreconditionError(`image ${manifest.digest}: unsupported media type ${manifest.mediaType}`);
    }
    const m = await this.manifest(manifest);
    if (!isDigest(m.config.digest)) throw new FailedPreconditionError(`manifest ${manifest.digest}: bad config digest`);
    return m.config.digest;
  }
}

function isIndexType(mediaType: string): boolean {
  return mediaType === MediaType.index || mediaType === MediaType.dockerManifestList;
}

function tryNormalize(ref: string): string | undefined {
  try {
    return normalizeName(ref);
  } catch {
    return undefined;
  }
}

/** At most one unnamed descriptor per manifest. */
function dropDanglingDuplicates(ds: Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    if (refName(d) !== undefined) return true;
    if (seen.has(d.digest)) return false;
    seen.add(d.digest);
    return true;
  });
}

/** An image whose last name moved to another image stays listed, unnamed (Docker's `<none>`). */
function keepOrphansDangling(before: readonly Descriptor[], after: Descriptor[]): Descriptor[] {
  for (const d of before) {
    if (!after.some((a) => a.digest === d.digest)) {
      after.push(withRefName(d, undefined));
    }
  }
  return after;
}

/** Path of the OCI layout under a kiln root (for tests and tools holding only the root). */
export function layoutDir(root: string): string {
  return rootLayout(root).oci;
}
