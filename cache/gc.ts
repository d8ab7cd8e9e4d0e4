/**
 * Garbage collection of a root. The caller names what images reference and
 * where the build cache records are; {@link collect} takes the root's
 * collection lock (lease.ts), pictures the root, plans (gc-plan.ts) and
 * removes: cache records first, then snapshots children first, then blobs.
 * Nothing a live kiln uses or has just made is removed.
 */
import type { Digest } from '../util/digest.js';
import { findError, NotFoundError } from '../util/errors.js';
import { isNotExist } from '../util/if-exists.js';
import type { ContentStore } from './content/index.js';
import { planPrune, type CacheEntry, type CacheMountEntry, type CachePolicy, type PrunePlan, type RootPicture, type SnapshotNode } from './gc-plan.js';
import type { Lease, LiveUse } from './lease.js';
import type { Snapshotter } from './snapshot/index.js';

/** The build cache records, as the collector needs them. */
export interface RecordSource {
  entries(): Promise<readonly CacheEntry[]>;
  remove(entry: CacheEntry): Promise<void>;
}

/** What images keep alive. */
export interface ImageRoots {
  readonly blobs: ReadonlySet<Digest>;
  readonly snapshots: ReadonlySet<string>;
}

/** Everything a collection reads. */
export interface GcSources {
  readonly content: ContentStore;
  readonly snapshotter: Snapshotter;
  readonly records: RecordSource;
  /** Read under the lock, after the live sessions: an image tagged meanwhile is a live session's young or used data. */
  imageRoots(): Promise<ImageRoots>;
  readonly cacheMounts: {
    list(): Promise<readonly CacheMountEntry[]>;
    remove(m: CacheMountEntry): Promise<void>;
  };
}

/** What a collection removed. */
export interface GcResult {
  readonly records: number;
  readonly cacheMounts: number;
  readonly snapshots: number;
  readonly blobs: number;
  /** Bytes freed by removed snapshots and blobs. */
  readonly bytes: number;
}

/** Runs one collection under `lease`'s lock. `dryRun` plans without removing (for `du`). */
export async function collect(lease: Lease, src: GcSources, policy: CachePolicy, options: { dryRun?: boolean } = {}): Promise<{ plan: PrunePlan; picture: RootPicture; result: GcResult }> {
  return lease.collect(async (live) => {
    const picture = await pictureRoot(src, live);
    const plan = planPrune(picture, policy);
    if (options.dryRun === true) return { plan, picture, result: { records: plan.records.length, cacheMounts: plan.cacheMounts.length, snapshots: plan.snapshots.length, blobs: plan.blobs.length, bytes: plan.bytes } };
    return { plan, picture, result: await apply(src, plan, picture) };
  });
}

async function apply(src: GcSources, plan: PrunePlan, picture: RootPicture): Promise<GcResult> {
  for (const r of plan.records) await src.records.remove(r);
  let snapshots = 0;
  let bytes = 0;
  for (const key of plan.snapshots) {
    await src.snapshotter.remove(key);
    snapshots++;
    bytes += picture.snapshots.get(key)?.size ?? 0;
  }
  let blobs = 0;
  for (const d of plan.blobs) {
    await src.content.delete(d);
    blobs++;
    bytes += picture.blobs.get(d)?.size ?? 0;
  }
  for (const m of plan.cacheMounts) {
    await src.cacheMounts.remove(m);
    bytes += m.size;
  }
  return { records: plan.records.length, cacheMounts: plan.cacheMounts.length, snapshots, blobs, bytes };
}

/** Reads the root: snapshots with sizes, blobs, cache records, image roots, and what live sessions use. */
async function pictureRoot(src: GcSources, live: LiveUse): Promise<RootPicture> {
  const snapshots = new Map<string, SnapshotNode>();
  const infos: Parameters<Parameters<Snapshotter['walk']>[0]>[0][] = [];
  await src.snapshotter.walk((info) => {
    infos.push(info);
  });
  for (const info of infos) {
    const usage = await src.snapshotter.usage(info.key).catch(() => ({ size: 0 }));
    snapshots.set(info.key, { ...info, size: usage.size });
  }
  const blobs = new Map<Digest, { size: number; createdAt: number }>();
  await src.content.walk((b) => {
    blobs.set(b.digest, { size: b.size, createdAt: b.createdAt });
  });
  const images = await src.imageRoots();
  return {
    snapshots,
    blobs,
    records: await src.records.entries(),
    imageBlobs: new Set(images.blobs),
    imageSnapshots: new Set(images.snapshots),
    cacheMounts: await src.cacheMounts.list(),
    live: { ...live, blobs: await withManifestChildren(src.content, live.blobs) },
  };
}

function onlyNotFound(err: unknown): undefined {
  if (findError(err, NotFoundError) !== undefined || isNotExist(err)) return undefined;
  throw err;
}

/** A used manifest keeps its config and layers (a build reading its base image records only the manifest). */
async function withManifestChildren(content: ContentStore, blobs: ReadonlySet<Digest>): Promise<Set<Digest>> {
  const out = new Set(blobs);
  for (const d of blobs) {
    // Only a blob that is gone has no children to keep; a read that fails otherwise stops the collection.
    const info = await content.info(d).catch(onlyNotFound);
    if (info === undefined || info.size > 4 << 20) continue;
    const text = ((await content.readAll(d).catch(onlyNotFound)) ?? Buffer.alloc(0)).toString('utf8');
    if (!text.startsWith('{')) continue;
    try {
      const m = JSON.parse(text) as { config?: { digest?: string }; layers?: { digest?: string }[] };
      if (typeof m.config?.digest === 'string') out.add(m.config.digest as Digest);
      for (const l of m.layers ?? []) if (typeof l.digest === 'string') out.add(l.digest as Digest);
    } catch {
      // not a manifest
    }
  }
  return out;
}
