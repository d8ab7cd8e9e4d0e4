/**
 * `kiln load`: a docker-archive (Docker's `manifest.json`, old or 25+ style)
 * or an OCI archive, gzip or not. Blobs are verified against their digests as
 * they stream in; compressed layers are stored uncompressed; every layer must
 * match its config diff_id. Images become visible only at the last step (the
 * index update), so an interrupted load leaves no partial image.
 */
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { isDigest, type Digest } from '../../util/digest.js';
import { InvalidArgumentError } from '../../util/errors.js';
import { safeEntryPath } from './check-tar.js';
import { resolveImages, type ArchiveContents } from './load-resolve.js';
import type { ImageStore } from './store.js';
import { maybeGunzip } from './streams.js';

const MAX_JSON = 16 * 1024 * 1024;
const blobRe = /^blobs\/sha256\/([a-f0-9]{64})$/;

/** What a load did: the names (or ids) of the images it stored. */
export interface LoadResult {
  readonly loaded: readonly string[];
}

/** Reads an archive from `source` into the store. `label` names the input in errors. */
export async function loadArchive(store: ImageStore, source: Readable, label: string): Promise<LoadResult> {
  const contents = await readArchive(store, source, label);
  return resolveImages(store, contents, label);
}

async function readArchive(store: ImageStore, source: Readable, label: string): Promise<ArchiveContents> {
  const plain = await maybeGunzip(source, label);
  const ex = extract();
  plain.on('error', (err) => ex.destroy(err));
  plain.pipe(ex);
  const contents: ArchiveContents = { json: new Map(), files: new Map(), links: new Map() };
  let count = 0;
  try {
    for await (const entry of ex) {
      count++;
      const h = entry.header;
      const name = safeEntryPath(h.name);
      if (h.type === 'symlink' || h.type === 'link') {
        contents.links.set(name, h.type === 'symlink' ? joinRel(name, h.linkname ?? '') : safeEntryPath(h.linkname ?? ''));
        entry.resume();
      } else if (h.type !== 'file' && h.type !== 'contiguous-file') {
        entry.resume();
      } else {
        await readEntry(store, name, entry as unknown as AsyncIterable<Uint8Array> & { resume(): unknown }, h.size ?? 0, contents, label);
      }
    }
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new InvalidArgumentError(`${label}: not a valid image archive (${msg}) after ${count} entries`, { cause: err });
  }
  return contents;
}

async function readEntry(store: ImageStore, name: string, entry: AsyncIterable<Uint8Array> & { resume(): unknown }, size: number, c: ArchiveContents, label: string): Promise<void> {
  const blob = blobRe.exec(name);
  if (blob !== null) {
    const digest = `sha256:${blob[1] ?? ''}`;
    if (!isDigest(digest)) throw new InvalidArgumentError(`${label}: bad blob name ${name}`);
    try {
      c.files.set(name, (await store.content.writeStream(entry, { digest, size })).digest);
    } catch (err) {
      throw new InvalidArgumentError(`${label}: blob ${name}: ${(err as Error).message}`, { cause: err });
    }
    return;
  }
  if ((name.endsWith('.json') || name === 'repositories' || name === 'oci-layout') && size <= MAX_JSON) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    c.json.set(name, Buffer.concat(chunks));
    return;
  }
  if (name.endsWith('/layer.tar') || name.endsWith('.tar') || name.endsWith('.tar.gz')) {
    c.files.set(name, (await store.content.writeStream(entry)).digest);
    return;
  }
  entry.resume();
}

function joinRel(from: string, target: string): string {
  const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/') + 1) : '';
  return safeEntryPath(target.startsWith('/') ? target.slice(1) : dir + target);
}

export type { Digest };
