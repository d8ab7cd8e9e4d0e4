/**
 * A cache image in an OCI image layout directory (`type=local`):
 * `oci-layout`, `index.json` naming the cache manifest, `blobs/sha256/…`.
 * See https://github.com/opencontainers/image-spec/blob/main/image-layout.md
 *
 * Writing keeps the blobs already there (an older index may still name them)
 * and writes each new blob under a temp name, fsynced and renamed; the new
 * `index.json` replaces the old one atomically last, so a reader sees the old
 * cache or the new one, whole.
 */
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { MediaType, REF_NAME, type Descriptor, type Index, type Manifest } from '../store/index.js';
import { writeFileAtomic, fsyncDir } from '../util/atomic-write.js';
import { digestHex, isDigest, sha256, type Digest } from '../util/digest.js';
import { FailedPreconditionError } from '../util/errors.js';
import { CACHE_CONFIG_MEDIA_TYPE } from './format.js';
import { ifExists } from '../util/if-exists.js';

/** The tag the cache manifest carries in index.json (as buildx's local cache does). */
export const CACHE_TAG = 'latest';

/** A blob to write: its digest, size and where to copy it from. */
export interface BlobFile {
  readonly digest: Digest;
  readonly size: number;
  readonly path: string;
}

/** Writes a cache image into the layout at `dir` (created when missing). */
export async function writeCacheLayout(dir: string, configText: string, manifest: Manifest, layers: readonly BlobFile[]): Promise<Descriptor> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  for (const l of layers) await putFile(blobs, l);
  await putText(blobs, configText);
  const manifestText = JSON.stringify(manifest);
  const m = await putText(blobs, manifestText);
  await fsyncDir(blobs);
  const desc: Descriptor = { mediaType: MediaType.manifest, digest: m, size: Buffer.byteLength(manifestText) };
  const index: Index = { schemaVersion: 2, mediaType: MediaType.index, manifests: [{ ...desc, annotations: { [REF_NAME]: CACHE_TAG } }] };
  await writeFileAtomic(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n');
  await writeFileAtomic(join(dir, 'index.json'), `${JSON.stringify(index)}\n`);
  return desc;
}

/** A cache image read from a layout: its config text and a way to open its blobs. */
export interface CacheLayout {
  readonly manifest: Manifest;
  readonly configText: string;
  open(digest: Digest): Promise<Readable>;
}

/** Reads the cache image of the layout at `dir`; undefined when there is no layout there yet. */
export async function readCacheLayout(dir: string): Promise<CacheLayout | undefined> {
  let indexText: string;
  try {
    indexText = await readFile(join(dir, 'index.json'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const blob = (d: Digest): string => join(dir, 'blobs', 'sha256', digestHex(d));
  const index = parseJson<Index>(indexText, `${dir}/index.json`);
  for (const d of Array.isArray(index.manifests) ? index.manifests : []) {
    if (d.mediaType !== MediaType.manifest || !isDigest(d.digest)) continue;
    const manifest = parseJson<Manifest>(await readVerified(blob(d.digest), d.digest), `manifest ${d.digest}`);
    if (manifest.config?.mediaType !== CACHE_CONFIG_MEDIA_TYPE || !isDigest(manifest.config.digest)) continue;
    const configText = await readVerified(blob(manifest.config.digest), manifest.config.digest);
    return { manifest, configText, open: async (digest) => createReadStream(blob(digest)) };
  }
  throw new FailedPreconditionError(`cache ${dir}: index.json names no kiln cache manifest (config media type ${CACHE_CONFIG_MEDIA_TYPE})`);
}

async function readVerified(path: string, digest: Digest): Promise<string> {
  const data = await readFile(path).catch((err: unknown) => {
    throw new FailedPreconditionError(`cache blob ${digest} is missing`, { cause: err });
  });
  if (sha256(data) !== digest) throw new FailedPreconditionError(`cache blob ${digest}: content does not match its digest`);
  return data.toString('utf8');
}

function parseJson<T>(text: string, where: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new FailedPreconditionError(`cache ${where}: not JSON`, { cause: err });
  }
}

/** Copies a blob in unless a blob of that size is there already (content-addressed: same name, same bytes). */
async function putFile(blobs: string, b: BlobFile): Promise<void> {
  const dest = join(blobs, digestHex(b.digest));
  if ((await ifExists(stat(dest)))?.size === b.size) return;
  const tmp = `${dest}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await copyFile(b.path, tmp);
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    if ((await stat(tmp)).size !== b.size) throw new FailedPreconditionError(`blob ${b.digest}: expected ${b.size} bytes`);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function putText(blobs: string, text: string): Promise<Digest> {
  const digest = sha256(text);
  const dest = join(blobs, digestHex(digest));
  if ((await ifExists(stat(dest)))?.size !== Buffer.byteLength(text)) await writeFileAtomic(dest, text);
  return digest;
}
