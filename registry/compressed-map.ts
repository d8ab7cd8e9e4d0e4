/**
 * What kiln knows about the compressed forms of its (uncompressed) layers:
 * `<root>/oci/compressed.json` maps a diffID to the gzip blob kiln pushed or
 * pulled for it, and a compressed digest to the repositories (`host/path`)
 * known to hold it. Push uses it to skip recompressing, to skip uploading
 * what a registry has (HEAD), and to mount across repositories. The gzip blob
 * itself is kept in the content store while it exists there. It is a cache:
 * a lost update only costs a recompression, so writes are atomic but not locked.
 *
 * ```json
 * {"version":1,
 *  "layers":{"sha256:<diffID>":{"digest":"sha256:<gzip>","size":123,"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip"}},
 *  "sources":{"sha256:<gzip>":["127.0.0.1:5000/app"]}}
 * ```
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Digest } from '../util/digest.js';

/** The compressed blob of one layer. */
export interface CompressedLayer {
  readonly digest: Digest;
  readonly size: number;
  readonly mediaType: string;
}

interface MapFile {
  version: 1;
  layers: Record<string, CompressedLayer>;
  sources: Record<string, string[]>;
}

/** Repositories remembered per blob (most recent first). */
const MAX_SOURCES = 8;

export class CompressedMap {
  readonly #path: string;
  /** One read for every caller: two layers recorded at once must change the same object. */
  #data: Promise<MapFile> | undefined;
  #writing: Promise<void> = Promise.resolve();

  /** The map of the OCI layout in `layoutDir` (`<root>/oci`). */
  constructor(layoutDir: string) {
    this.#path = join(layoutDir, 'compressed.json');
  }

  #load(): Promise<MapFile> {
    return (this.#data ??= this.#read());
  }

  async #read(): Promise<MapFile> {
    try {
      const parsed = JSON.parse(await readFile(this.#path, 'utf8')) as Partial<MapFile>;
      return { version: 1, layers: parsed.layers ?? {}, sources: parsed.sources ?? {} };
    } catch {
      // Missing or unreadable: a cache, started again empty.
      return { version: 1, layers: {}, sources: {} };
    }
  }

  async layer(diffID: Digest): Promise<CompressedLayer | undefined> {
    return (await this.#load()).layers[diffID];
  }

  /** Repositories known to hold `digest`. */
  async sources(digest: Digest): Promise<readonly string[]> {
    return (await this.#load()).sources[digest] ?? [];
  }

  /** Records that `diffID` compresses to `blob`, held by `repository` when given. */
  async record(diffID: Digest | undefined, blob: CompressedLayer, repository?: string): Promise<void> {
    const data = await this.#load();
    if (diffID !== undefined) data.layers[diffID] = blob;
    if (repository !== undefined) {
      const list = (data.sources[blob.digest] ?? []).filter((r) => r !== repository);
      data.sources[blob.digest] = [repository, ...list].slice(0, MAX_SOURCES);
    }
    const text = JSON.stringify(data);
    this.#writing = this.#writing.then(() => writeFileAtomic(this.#path, text)).catch(() => undefined);
    await this.#writing;
  }
}
