/**
 * What a collection removes, decided from a picture of the root (pure, so
 * `kiln du` can ask "what would prune free" and get exactly what prune frees).
 *
 * Kept: what images reference, what live kiln processes use or have just
 * made (lease.ts), active snapshots that are not leftovers, the build cache
 * records the policy keeps, and the parents of every kept snapshot. Removed:
 * everything else — blobs nothing references, snapshots no kept thing
 * reaches, stopped containers' filesystems, leftovers of killed builds.
 * The build cache is evicted least recently used first (BuildKit's policy),
 * a snapshot's last use being the latest use of any record that reaches it.
 */
import type { Digest } from '../util/digest.js';
import type { LiveUse } from './lease.js';
import type { SnapshotInfo } from './snapshot/index.js';
import { layerBlobOf } from './step-snapshot.js';

/** One build cache record: the snapshots its results name, and when it was last used. */
export interface CacheEntry {
  readonly id: string;
  readonly snapshots: readonly string[];
  readonly lastUsed: number;
}

/** A snapshot with its own size (its layer dir, not its parents). */
export interface SnapshotNode extends SnapshotInfo {
  readonly size: number;
}

/** The root as a collection sees it. */
export interface RootPicture {
  readonly snapshots: ReadonlyMap<string, SnapshotNode>;
  readonly blobs: ReadonlyMap<Digest, { readonly size: number; readonly createdAt: number }>;
  readonly records: readonly CacheEntry[];
  /** What images (and their manifests, configs, layer chains) reference. */
  readonly imageBlobs: ReadonlySet<Digest>;
  readonly imageSnapshots: ReadonlySet<string>;
  /** `RUN --mount=type=cache` directories. */
  readonly cacheMounts: readonly CacheMountEntry[];
  readonly live: LiveUse;
}

/** A cache mount directory. */
export interface CacheMountEntry {
  readonly id: string;
  readonly size: number;
  readonly lastUsed: number;
}

/** Which build cache records to remove (docker builder prune's flags). */
export interface CachePolicy {
  /** Remove build cache at all; without it only unreferenced data goes. */
  readonly buildCache: boolean;
  /** Only records last used before this time (ms) (`--filter until=`). */
  readonly usedBefore?: number;
  /** Remove least recently used records only until the build cache is at most this size (`--keep-storage`). */
  readonly keepBytes?: number;
  /** Also remove cache mount directories no live build uses (`--cache-mounts`). */
  readonly cacheMounts?: boolean;
}

/** What to remove, in a safe order. */
export interface PrunePlan {
  readonly records: readonly CacheEntry[];
  /** Children before parents. */
  readonly snapshots: readonly string[];
  readonly blobs: readonly Digest[];
  readonly cacheMounts: readonly CacheMountEntry[];
  /** Bytes the removed snapshots, blobs and cache mounts hold. */
  readonly bytes: number;
}

/** Working snapshots of build steps, views and unpacks, and containers' filesystems: leftovers unless young or in use. */
export function isDisposable(info: SnapshotInfo): boolean {
  return info.labels['kiln.container'] !== undefined || /^(run|copy|workdir|view|extract)-/.test(info.key);
}


export function planPrune(pic: RootPicture, policy: CachePolicy): PrunePlan {
  const young = (t: number): boolean => t >= pic.live.keepNewerThan;
  const inUse = new Set<string>();
  const held = new Set<string>();
  const hold = (into: Set<string>, key: string | undefined): void => {
    for (let k = key; k !== undefined && !into.has(k); k = pic.snapshots.get(k)?.parent) into.add(k);
  };
  for (const s of pic.snapshots.values()) {
    if (pic.live.snapshots.has(s.key) || young(s.createdAt) || (s.kind !== 'committed' && !isDisposable(s))) hold(inUse, s.key);
    if (pic.imageSnapshots.has(s.key)) hold(held, s.key);
  }
  for (const k of pic.live.snapshots) hold(inUse, k);
  for (const k of inUse) held.add(k);
  const removed = evictRecords(pic, policy, inUse, held);
  for (const r of pic.records) if (!removed.has(r)) for (const k of r.snapshots) hold(held, k);
  const snapshots = [...pic.snapshots.keys()].filter((k) => !held.has(k)).sort((a, b) => depth(pic, b) - depth(pic, a));
  const keepBlobs = new Set<Digest>([...pic.imageBlobs, ...pic.live.blobs]);
  for (const k of held) {
    const b = layerBlobOf(pic.snapshots.get(k) ?? ({ labels: {} } as SnapshotInfo));
    if (b !== undefined) keepBlobs.add(b);
  }
  const blobs = [...pic.blobs.entries()].filter(([d, b]) => !keepBlobs.has(d) && !young(b.createdAt)).map(([d]) => d);
  const cacheMounts =
    policy.cacheMounts === true ? pic.cacheMounts.filter((m) => !pic.live.cacheMounts.has(m.id) && (policy.usedBefore === undefined || m.lastUsed < policy.usedBefore)) : [];
  let bytes = 0;
  for (const k of snapshots) bytes += pic.snapshots.get(k)?.size ?? 0;
  for (const d of blobs) bytes += pic.blobs.get(d)?.size ?? 0;
  for (const m of cacheMounts) bytes += m.size;
  return { records: pic.records.filter((r) => removed.has(r)), snapshots, blobs, cacheMounts, bytes };
}

/** The records the policy removes; `inUse` snapshots' records stay, `held` snapshots stay whatever happens. */
function evictRecords(pic: RootPicture, policy: CachePolicy, inUse: ReadonlySet<string>, held: ReadonlySet<string>): Set<CacheEntry> {
  const out = new Set<CacheEntry>();
  if (!policy.buildCache) {
    // Only records whose snapshots are gone: they can never be used again.
    for (const r of pic.records) if (r.snapshots.some((k) => !pic.snapshots.has(k))) out.add(r);
    return out;
  }
  const eligible = (r: CacheEntry): boolean => !r.snapshots.some((k) => inUse.has(k)) && (policy.usedBefore === undefined || r.lastUsed < policy.usedBefore);
  const candidates = pic.records.filter(eligible);
  if (policy.keepBytes === undefined) return new Set(candidates);
  // Least recently used first: a snapshot's last use is the latest of every record reaching it.
  const lastUse = new Map<string, number>();
  const reach = new Map<CacheEntry, string[]>();
  for (const r of pic.records) {
    const chain = chainOf(pic, r.snapshots);
    reach.set(r, chain);
    for (const k of chain) lastUse.set(k, Math.max(lastUse.get(k) ?? 0, eligible(r) ? r.lastUsed : Infinity));
  }
  let total = 0;
  const cacheSnaps = [...lastUse.keys()].filter((k) => !held.has(k));
  for (const k of cacheSnaps) total += cacheBytes(pic, k);
  const order = cacheSnaps.filter((k) => Number.isFinite(lastUse.get(k))).sort((a, b) => (lastUse.get(a) ?? 0) - (lastUse.get(b) ?? 0) || depth(pic, b) - depth(pic, a));
  const evicted = new Set<string>();
  for (const k of order) {
    if (total <= policy.keepBytes) break;
    evicted.add(k);
    total -= cacheBytes(pic, k);
  }
  for (const r of candidates) if ((reach.get(r) ?? []).some((k) => evicted.has(k))) out.add(r);
  return out;
}

/** A cache snapshot's own bytes plus its layer blob's when no image holds that blob. */
export function cacheBytes(pic: RootPicture, key: string): number {
  const s = pic.snapshots.get(key);
  if (s === undefined) return 0;
  const blob = layerBlobOf(s);
  const blobBytes = blob === undefined || pic.imageBlobs.has(blob) ? 0 : (pic.blobs.get(blob)?.size ?? 0);
  return s.size + blobBytes;
}

/** `keys` and all their parents. */
export function chainOf(pic: RootPicture, keys: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const key of keys) {
    for (let k: string | undefined = key; k !== undefined && !seen.has(k) && pic.snapshots.has(k); k = pic.snapshots.get(k)?.parent) {
      seen.add(k);
      out.push(k);
    }
  }
  return out;
}

function depth(pic: RootPicture, key: string): number {
  let d = 0;
  for (let k = pic.snapshots.get(key)?.parent; k !== undefined; k = pic.snapshots.get(k)?.parent) d++;
  return d;
}
