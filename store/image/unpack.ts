/**
 * Unpacks an image's layers into committed snapshots keyed by chain ID, so
 * identical layer stacks are shared between images and reused by build and
 * run. Each missing layer is applied onto its parent's merged view (the
 * kernel turns deletions into overlay whiteouts) and committed atomically.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { damagedBlobError, damagedDigest, type ContentStore } from '../../cache/index.js';
import { isCommitted, ownedLabels, type Mount, type Snapshotter } from '../../cache/index.js';
import type { Digest } from '../../util/digest.js';
import { AlreadyExistsError, FailedPreconditionError, findError, NotFoundError } from '../../util/errors.js';
import { applyLayer } from '../layer/index.js';
import type { ImageRecord, ImageStore } from './store.js';
import { chainIDs } from './write.js';

/** Mounting, injected: only executor/ mounts. */
export interface Mounter {
  mountAll(mounts: readonly Mount[], target: string): Promise<void>;
  unmount(target: string): Promise<void>;
}

/** Options of {@link unpackImage}. */
export interface UnpackOptions {
  readonly mounter: Mounter;
  /** Where temporary mount points go. */
  readonly tmpDir: string;
  readonly signal?: AbortSignal;
}

/** Makes sure every layer of `image` is a committed snapshot; returns the top chain ID (undefined for no layers). */
export async function unpackImage(images: ImageStore, sn: Snapshotter, image: ImageRecord, options: UnpackOptions): Promise<string | undefined> {
  // Recorded as used (cache/guard.ts): a concurrent prune keeps the image's blobs while they are unpacked.
  if (!(await images.content.has(image.manifest.digest))) throw new NotFoundError(`image ${image.id}: manifest ${image.manifest.digest} is gone`);
  const config = await images.config(image);
  const manifest = await images.manifest(image);
  const diffIDs = config.rootfs.diff_ids;
  if (diffIDs.length !== manifest.layers.length) {
    throw new FailedPreconditionError(`image ${image.id}: config lists ${diffIDs.length} layers, manifest ${manifest.layers.length}`);
  }
  const chains = chainIDs(diffIDs);
  for (const [i, key] of chains.entries()) {
    options.signal?.throwIfAborted();
    if (await isCommitted(sn, key)) continue;
    const layer = manifest.layers[i];
    if (layer === undefined) break;
    await unpackLayer(images, sn, { key, parent: chains[i - 1], digest: layer.digest, diffID: diffIDs[i] ?? key }, options);
  }
  return chains[chains.length - 1];
}


interface LayerJob {
  readonly key: string;
  readonly parent: string | undefined;
  readonly digest: Digest;
  readonly diffID: string;
}

async function unpackLayer(images: ImageStore, sn: Snapshotter, job: LayerJob, options: UnpackOptions): Promise<void> {
  const tmpKey = `extract-${randomBytes(6).toString('hex')}-${job.key}`;
  const mounts = await sn.prepare(tmpKey, job.parent, { labels: ownedLabels({ 'kiln.unpack': job.key }) });
  const mount: { dir?: string; mounted: boolean } = { mounted: false };
  try {
    const target = await targetDir(sn, tmpKey, mounts, options, mount);
    const source = await images.content.reader(job.digest);
    const applied = await applyLayer(source, target, options.signal === undefined ? {} : { signal: options.signal }).catch((err: unknown) =>
      explainDamage(images.content, job.digest, err, options.signal),
    );
    // Local layers are uncompressed, so the digest of the bytes applied is the blob's own: checking it costs nothing.
    if (applied.diffID !== job.digest) throw damagedBlobError(job.digest, `its content hashes to ${applied.diffID}`);
    if (applied.diffID !== job.diffID) {
      throw new FailedPreconditionError(`layer ${job.digest}: unpacked diffID ${applied.diffID} does not match the image config's ${job.diffID}`);
    }
    await release(mount, options);
    await sn.commit(job.key, tmpKey);
  } catch (err) {
    await release(mount, options).catch(() => undefined);
    await sn.remove(tmpKey).catch(() => undefined);
    // Another kiln committed the same layer first: that is success.
    if (findError(err, AlreadyExistsError) !== undefined && (await isCommitted(sn, job.key))) return;
    throw err;
  } finally {
    if (mount.dir !== undefined && !mount.mounted) await rm(mount.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * A layer that fails to apply may be a damaged blob rather than a bad tar:
 * hash it (only on this failure path) and say so when it is.
 */
async function explainDamage(content: ContentStore, digest: Digest, err: unknown, signal: AbortSignal | undefined): Promise<never> {
  if (signal?.aborted === true) throw err;
  const actual = await damagedDigest(content.path(digest), digest).catch(() => undefined);
  if (actual !== undefined) throw damagedBlobError(digest, `its content hashes to ${actual}`, { cause: err });
  throw err;
}

async function release(mount: { dir?: string; mounted: boolean }, options: UnpackOptions): Promise<void> {
  if (mount.dir !== undefined && mount.mounted) {
    await options.mounter.unmount(mount.dir);
    mount.mounted = false;
  }
}

/** A directory showing the snapshot's merged view: its own dir for a plain bind, else a mount. */
async function targetDir(sn: Snapshotter, key: string, mounts: readonly Mount[], options: UnpackOptions, mount: { dir?: string; mounted: boolean }): Promise<string> {
  const [only] = mounts;
  if (mounts.length === 1 && only?.type === 'bind') return sn.layerDir(key);
  const dir = await mkdtemp(join(options.tmpDir, 'kiln-unpack-'));
  mount.dir = dir;
  await options.mounter.mountAll(mounts, dir);
  mount.mounted = true;
  return dir;
}
