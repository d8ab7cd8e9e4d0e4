/**
 * The OCI layout's `index.json` as kiln's tag table: one descriptor per
 * (manifest, name); the name is the `org.opencontainers.image.ref.name`
 * annotation holding the normalized reference. An image without names has
 * one descriptor without that annotation (Docker's `<none>`).
 * See https://github.com/opencontainers/image-spec/blob/main/image-layout.md
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { FailedPreconditionError } from '../../util/errors.js';
import { withLock } from '../../util/lock.js';
import { MediaType, REF_NAME, type Descriptor, type Index } from '../../oci/index.js';

const EMPTY: Index = { schemaVersion: 2, mediaType: MediaType.index, manifests: [] };

/** Reads and atomically rewrites `<dir>/index.json` under a lock. */
export class IndexFile {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  get path(): string {
    return join(this.#dir, 'index.json');
  }

  /** Creates the layout files when missing. */
  async init(): Promise<void> {
    await mkdir(join(this.#dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(this.#dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n', { flag: 'wx' }).catch(ignoreExists);
    await writeFile(this.path, `${JSON.stringify(EMPTY)}\n`, { flag: 'wx' }).catch(ignoreExists);
  }

  async read(): Promise<Index> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY;
      throw err;
    }
    try {
      const idx = JSON.parse(text) as Index;
      if (!Array.isArray(idx.manifests)) throw new Error('no manifests array');
      return idx;
    } catch (err) {
      throw new FailedPreconditionError(`image index ${this.path} is corrupt`, { cause: err });
    }
  }

  /** Applies `change` to the descriptors under the lock and writes the result atomically. */
  async update(change: (manifests: Descriptor[]) => Descriptor[]): Promise<void> {
    await this.init();
    await withLock(`${this.path}.lock`, async () => {
      const idx = await this.read();
      const next: Index = { ...idx, schemaVersion: 2, mediaType: MediaType.index, manifests: change([...idx.manifests]) };
      // Unchanged (e.g. a cached rebuild re-tagging the same image): nothing to write.
      if (JSON.stringify(next) === JSON.stringify({ ...idx, schemaVersion: 2, mediaType: MediaType.index })) return;
      await writeFileAtomic(this.path, `${JSON.stringify(next)}\n`);
    });
  }
}

function ignoreExists(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
}

/** The name a descriptor carries, if any. */
export function refName(d: Descriptor): string | undefined {
  return d.annotations?.[REF_NAME];
}

/** `d` with its name set (or removed when `name` is undefined). */
export function withRefName(d: Descriptor, name: string | undefined): Descriptor {
  const annotations: Record<string, string> = { ...(d.annotations ?? {}) };
  if (name === undefined) delete annotations[REF_NAME];
  else annotations[REF_NAME] = name;
  const { annotations: _drop, ...rest } = d;
  return Object.keys(annotations).length === 0 ? rest : { ...rest, annotations };
}
