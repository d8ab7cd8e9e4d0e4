/**
 * What the collector (cache/gc.ts) reads from a kiln root: the images' roots
 * (blobs and layer chains), the build cache records, cache mounts.
 */
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheEntry, CacheMountEntry } from '../cache/index.js';
import type { GcSources, ImageRoots } from '../cache/index.js';
import type { CacheKey } from '../solver/index.js';
import { JsonFileCacheStore } from '../solver/index.js';
import { chainIDs } from '../store/index.js';
import type { Digest } from '../util/digest.js';
import type { RootLayout } from '../util/root-layout.js';
import type { Worker } from './worker.js';
import { ifExists } from '../util/if-exists.js';

/** The step cache index of a root. */
export function stepRecords(layout: RootLayout): JsonFileCacheStore {
  return new JsonFileCacheStore(layout.stepCache, async () => undefined);
}

/** The collector's view of `w`. */
export async function gcSources(w: Worker): Promise<GcSources> {
  const records = stepRecords(w.layout);
  return {
    content: w.content,
    snapshotter: await w.snapshotter(),
    records: {
      entries: async (): Promise<CacheEntry[]> =>
        (await records.entries()).map(({ record, lastUsed }) => ({ id: record.key, snapshots: record.results.filter((r) => r !== ''), lastUsed })),
      remove: (e) => records.delete(e.id as CacheKey),
    },
    imageRoots: () => imageRoots(w),
    cacheMounts: {
      list: () => cacheMounts(w.layout),
      remove: (m) => rm(join(w.layout.cacheMounts, m.id), { recursive: true, force: true }),
    },
  };
}

/** What images and containers keep alive: blobs, the snapshots of layer chains, containers' filesystems. */
export async function imageRoots(w: Worker): Promise<ImageRoots> {
  const snapshots = new Set<string>();
  for (const image of await w.images.list()) {
    for (const c of chainIDs((await w.images.config(image)).rootfs.diff_ids)) snapshots.add(c);
  }
  // A container's filesystem stays until `kiln rm` (or `kiln container prune`), like an image's layers.
  // No containers dir: none to keep (and a build's worker has not loaded their library).
  if (existsSync(w.layout.containers)) for (const key of await w.containers().snapshots()) snapshots.add(key);
  const blobs: Set<Digest> = await w.images.referencedBlobs();
  return { blobs, snapshots };
}

/** The cache mount directories under the root, with their sizes. */
export async function cacheMounts(layout: RootLayout): Promise<CacheMountEntry[]> {
  const dir = layout.cacheMounts;
  const out: CacheMountEntry[] = [];
  for (const id of (await ifExists(readdir(dir))) ?? []) {
    const path = join(dir, id);
    const st = await ifExists(stat(path));
    if (st?.isDirectory() === true) out.push({ id, size: await treeBytes(path), lastUsed: st.mtimeMs });
  }
  return out;
}

/** Bytes of the regular files under `dir` (not following symlinks). */
async function treeBytes(dir: string): Promise<number> {
  let size = 0;
  for (const e of (await ifExists(readdir(dir, { withFileTypes: true }))) ?? []) {
    const p = join(dir, e.name);
    if (e.isDirectory()) size += await treeBytes(p);
    else if (e.isFile()) size += (await stat(p).catch(() => ({ size: 0 }))).size;
  }
  return size;
}
