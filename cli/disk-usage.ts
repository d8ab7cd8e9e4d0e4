/**
 * `kiln du`: the root's disk use by kind, and what `kiln prune` would free,
 * from the same picture and plan the collector uses (a dry run under its
 * lock), so the reclaimable total is what prune then frees.
 */
import { cacheBytes, chainOf, isDisposable, layerBlobOf, type RootPicture } from '../cache/index.js';
import { collect } from '../cache/index.js';
import { chainIDs } from '../store/index.js';
import type { Digest } from '../util/digest.js';
import { gcSources } from './gc-sources.js';
import type { Worker } from './worker.js';

export interface KindUsage {
  readonly kind: 'images' | 'build cache' | 'containers' | 'cache mounts' | 'volumes' | 'unreferenced';
  readonly count: number;
  readonly active: number;
  readonly size: number;
  readonly reclaimable: number;
}

export interface DiskUsage {
  readonly kinds: readonly KindUsage[];
  /** What `kiln prune` (no flags) frees. */
  readonly reclaimable: number;
  readonly images: readonly { id: string; names: readonly string[]; size: number; shared: number; unique: number }[];
  readonly cache: readonly { id: string; size: number; lastUsed: number; shared: boolean; inUse: boolean; reclaimable: boolean }[];
}

export async function diskUsage(w: Worker): Promise<DiskUsage> {
  const { plan, picture } = await collect(w.session, await gcSources(w), { buildCache: true }, { dryRun: true });
  const doomedSnaps = new Set(plan.snapshots);
  const doomedBlobs = new Set<Digest>(plan.blobs);
  const images = await imageUsage(w, picture);
  const cacheReach = new Set(chainOf(picture, picture.records.flatMap((r) => r.snapshots)));
  const young = (t: number): boolean => t >= picture.live.keepNewerThan;

  const kinds = {
    images: { kind: 'images', count: images.length, active: usedImages(picture, images), size: 0, reclaimable: 0 },
    cache: { kind: 'build cache', count: picture.records.length, active: 0, size: 0, reclaimable: 0 },
    containers: { kind: 'containers', count: 0, active: 0, size: 0, reclaimable: 0 },
    mounts: { kind: 'cache mounts', count: picture.cacheMounts.length, active: 0, size: 0, reclaimable: 0 },
    volumes: { kind: 'volumes', count: 0, active: 0, size: 0, reclaimable: 0 },
    other: { kind: 'unreferenced', count: 0, active: 0, size: 0, reclaimable: 0 },
  } satisfies Record<string, KindUsage>;
  const imageBlobBytes = [...picture.imageBlobs].reduce((n, d) => n + (picture.blobs.get(d)?.size ?? 0), 0);
  kinds.images.size = imageBlobBytes;
  const accountedBlobs = new Set<Digest>(picture.imageBlobs);
  for (const s of picture.snapshots.values()) {
    const gone = doomedSnaps.has(s.key);
    if (picture.imageSnapshots.has(s.key)) {
      kinds.images.size += s.size;
    } else if (s.labels['kiln.container'] !== undefined) {
      add(kinds.containers, s.size, gone ? s.size : 0, !gone);
    } else if (cacheReach.has(s.key)) {
      // A step's layer blob counts with its snapshot unless an image holds it.
      const blob = layerBlobOf(s);
      const own = blob !== undefined && !accountedBlobs.has(blob) ? (picture.blobs.get(blob)?.size ?? 0) : 0;
      if (blob !== undefined) accountedBlobs.add(blob);
      const blobGone = blob !== undefined && doomedBlobs.delete(blob) ? own : 0;
      kinds.cache.size += s.size + own;
      if (gone) kinds.cache.reclaimable += s.size + blobGone;
    } else {
      add(kinds.other, s.size, gone ? s.size : 0, !isDisposable(s) || young(s.createdAt));
    }
  }
  for (const d of doomedBlobs) {
    kinds.other.count++;
    const size = picture.blobs.get(d)?.size ?? 0;
    kinds.other.size += size;
    kinds.other.reclaimable += size;
  }
  for (const m of picture.cacheMounts) {
    kinds.mounts.size += m.size;
    if (picture.live.cacheMounts.has(m.id)) kinds.mounts.active++;
  }
  const cacheRows = picture.records.map((r) => {
    const top = r.snapshots[0];
    const info = top === undefined ? undefined : picture.snapshots.get(top);
    const blob = info === undefined ? undefined : layerBlobOf(info);
    const inUse = r.snapshots.some((k) => picture.live.snapshots.has(k) || young(picture.snapshots.get(k)?.createdAt ?? 0));
    if (inUse) kinds.cache.active++;
    return {
      id: top ?? '<empty>',
      size: top === undefined ? 0 : cacheBytes(picture, top),
      lastUsed: r.lastUsed,
      shared: blob !== undefined && picture.imageBlobs.has(blob),
      inUse,
      reclaimable: plan.records.includes(r),
    };
  });
  // Volumes are never reclaimable here: `kiln prune` leaves them (`kiln volume prune` removes unused ones).
  for (const v of await w.containers().volumes.usage()) add(kinds.volumes, v.size, 0, v.inUse);
  const list = [kinds.images, kinds.cache, kinds.containers, kinds.mounts, kinds.volumes, kinds.other];
  return { kinds: list, reclaimable: plan.bytes, images, cache: cacheRows };
}

/** Images a container's filesystem was made from (docker's "active" images). */
function usedImages(picture: RootPicture, images: readonly { id: string }[]): number {
  const used = new Set<string>();
  for (const s of picture.snapshots.values()) {
    const id = s.labels['kiln.image'];
    if (id !== undefined) used.add(id);
  }
  return images.filter((i) => used.has(i.id)).length;
}

function add(k: { count: number; active: number; size: number; reclaimable: number }, size: number, reclaimable: number, active: boolean): void {
  k.count++;
  k.size += size;
  k.reclaimable += reclaimable;
  if (active) k.active++;
}

/** Per image: its blobs and unpacked layer chain; shared bytes are those another image also holds. */
async function imageUsage(w: Worker, picture: RootPicture): Promise<{ id: string; names: readonly string[]; size: number; shared: number; unique: number }[]> {
  const per: { id: string; names: readonly string[]; parts: Map<string, number> }[] = [];
  const holders = new Map<string, number>();
  for (const image of await w.images.list()) {
    const parts = new Map<string, number>();
    const m = await w.images.manifest(image);
    for (const d of [image.manifest.digest, image.id, ...m.layers.map((l) => l.digest)]) parts.set(d, picture.blobs.get(d as Digest)?.size ?? 0);
    for (const c of chainIDs((await w.images.config(image)).rootfs.diff_ids)) {
      const s = picture.snapshots.get(c);
      if (s !== undefined) parts.set(`snapshot:${c}`, s.size);
    }
    for (const k of parts.keys()) holders.set(k, (holders.get(k) ?? 0) + 1);
    per.push({ id: image.id, names: image.names, parts });
  }
  return per.map(({ id, names, parts }) => {
    let size = 0;
    let shared = 0;
    for (const [k, n] of parts) {
      size += n;
      if ((holders.get(k) ?? 0) > 1) shared += n;
    }
    return { id, names, size, shared, unique: size - shared };
  });
}
