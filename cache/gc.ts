/**
 * Garbage collection of a root: removes blobs and snapshots that no root
 * references. The caller computes the roots (images, build cache); anything
 * created after `keepNewerThan` (the oldest live kiln session) is kept, since
 * another kiln may be about to reference it.
 */
import type { Digest } from '../util/digest.js';
import type { ContentStore } from './content/index.js';
import type { SnapshotInfo, Snapshotter } from './snapshot/index.js';

/** What must survive a collection. */
export interface GcRoots {
  readonly blobs: ReadonlySet<Digest>;
  /** Snapshot keys; their parents are kept too. */
  readonly snapshots: ReadonlySet<string>;
}

/** What a collection removed. */
export interface GcResult {
  readonly blobs: number;
  readonly blobBytes: number;
  readonly snapshots: number;
}

/** Removes unreferenced blobs and snapshots; see the module comment. */
export async function collectGarbage(
  content: ContentStore,
  snapshotter: Snapshotter | undefined,
  roots: GcRoots,
  keepNewerThan: number | undefined,
): Promise<GcResult> {
  const young = (t: number): boolean => keepNewerThan !== undefined && t >= keepNewerThan;
  const doomed: { digest: Digest; size: number }[] = [];
  await content.walk((info) => {
    if (!roots.blobs.has(info.digest) && !young(info.createdAt)) doomed.push({ digest: info.digest, size: info.size });
  });
  let blobBytes = 0;
  for (const b of doomed) {
    await content.delete(b.digest).catch(() => undefined);
    blobBytes += b.size;
  }
  const snapshots = snapshotter === undefined ? 0 : await collectSnapshots(snapshotter, roots.snapshots, young);
  return { blobs: doomed.length, blobBytes, snapshots };
}

async function collectSnapshots(snapshotter: Snapshotter, roots: ReadonlySet<string>, young: (t: number) => boolean): Promise<number> {
  const all = new Map<string, SnapshotInfo>();
  await snapshotter.walk((info) => {
    all.set(info.key, info);
  });
  const keep = new Set<string>();
  const mark = (key: string | undefined): void => {
    for (let k = key; k !== undefined && !keep.has(k); k = all.get(k)?.parent) keep.add(k);
  };
  for (const info of all.values()) {
    // Active snapshots are in use, except the filesystems of stopped `kiln run` containers
    // (docker container prune): those a live kiln may own are young and kept.
    // Build steps' working snapshots left by a killed kiln are garbage too.
    const disposable = info.labels['kiln.container'] !== undefined || /^(run|copy|workdir|view|extract)-/.test(info.key);
    if (roots.has(info.key) || young(info.createdAt) || (info.kind !== 'committed' && !disposable)) mark(info.key);
  }
  // Children before parents: a committed snapshot with children cannot be removed.
  const depth = (key: string): number => {
    let d = 0;
    for (let k = all.get(key)?.parent; k !== undefined; k = all.get(k)?.parent) d++;
    return d;
  };
  const doomed = [...all.keys()].filter((k) => !keep.has(k)).sort((a, b) => depth(b) - depth(a));
  for (const key of doomed) await snapshotter.remove(key);
  return doomed.length;
}
