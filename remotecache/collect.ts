/**
 * Export side: the records a build used → a {@link CacheConfig}. Each record's
 * snapshots are walked down their parents: step snapshots (`step-…`, layer
 * labels from layer-commit) become cache steps, a base image's chain-ID
 * snapshot ends the chain. A record whose snapshots or layer blobs are gone
 * is left out: it could not be rebuilt elsewhere.
 */
import type { ContentStore } from '../cache/index.js';
import type { Snapshotter } from '../cache/index.js';
import { chainIDs, type ImageStore } from '../store/index.js';
import { isDigest, type Digest } from '../util/digest.js';
import { findError, NotFoundError } from '../util/errors.js';
import type { CacheConfig, CacheEntry, CacheStep, SnapshotRef } from './format.js';
import type { CacheMode } from './spec.js';
import type { StepRecord } from './records.js';
import { isStepKey, stepCreatedAt, stepLayerOf } from '../cache/index.js';

/** What the exporter reads. */
export interface CollectSource {
  readonly snapshotter: Snapshotter;
  readonly content: ContentStore;
  readonly images: ImageStore;
}

/** Builds the cache config for `records`; `top` is the final image's snapshot (for mode=min). */
export async function collectCache(src: CollectSource, records: readonly StepRecord[], top: string | undefined, mode: CacheMode): Promise<CacheConfig> {
  const keep = mode === 'max' ? undefined : await chainOf(src.snapshotter, top);
  const walker = new Walker(src);
  const entries: CacheEntry[] = [];
  for (const r of records) {
    if (!isDigest(r.key) || r.results.length === 0) continue;
    if (keep !== undefined && !r.results.every((id) => keep.has(id))) continue;
    const results: SnapshotRef[] = [];
    for (const id of r.results) {
      const ref = await walker.ref(id);
      if (ref === null) break;
      results.push(ref);
    }
    if (results.length === r.results.length) entries.push({ key: r.key, results, createdAt: Math.trunc(r.createdAt) });
  }
  return { version: 1, steps: walker.steps, records: entries };
}

/** `top` and its ancestors ('' alone for the empty rootfs). */
async function chainOf(sn: Snapshotter, top: string | undefined): Promise<Set<string>> {
  const out = new Set<string>();
  if (top === undefined || top === '') return new Set(['']);
  for (let key: string | undefined = top; key !== undefined; key = (await sn.stat(key)).parent) out.add(key);
  return out;
}

/** Turns snapshot keys into refs, appending steps parents first; null when a snapshot cannot be exported. */
class Walker {
  readonly steps: CacheStep[] = [];
  readonly #src: CollectSource;
  readonly #memo = new Map<string, SnapshotRef | null>();
  #bases: Promise<Map<Digest, Digest[]>> | undefined;

  constructor(src: CollectSource) {
    this.#src = src;
  }

  async ref(id: string): Promise<SnapshotRef | null> {
    const known = this.#memo.get(id);
    if (known !== undefined) return known;
    const ref = id === '' ? ({ kind: 'empty' } as const) : isStepKey(id) ? await this.#step(id) : await this.#base(id);
    this.#memo.set(id, ref);
    return ref;
  }

  async #step(key: string): Promise<SnapshotRef | null> {
    const info = await stat(this.#src.snapshotter, key);
    if (info === undefined) return null;
    const parent = info.parent === undefined ? ({ kind: 'empty' } as const) : await this.ref(info.parent);
    if (parent === null) return null;
    const own = stepLayerOf(info);
    let layer: CacheStep['layer'] = null;
    if (own !== undefined) {
      if (!(await this.#src.content.has(own.diffID))) return null; // pruned blob: the layer cannot travel
      layer = own;
    }
    const createdAt = Math.trunc(stepCreatedAt(info));
    this.steps.push({ parent, layer, createdAt });
    return { kind: 'step', index: this.steps.length - 1 };
  }

  /** A base image's chain-ID snapshot, with the diffIDs of a local image that has it. */
  async #base(chainID: string): Promise<SnapshotRef | null> {
    if (!isDigest(chainID) || (await stat(this.#src.snapshotter, chainID)) === undefined) return null;
    const diffIDs = (await this.#baseChains()).get(chainID);
    return diffIDs === undefined ? null : { kind: 'base', chainID, diffIDs };
  }

  /** Every local image's chain IDs → the diffIDs up to it. */
  #baseChains(): Promise<Map<Digest, Digest[]>> {
    this.#bases ??= (async () => {
      const out = new Map<Digest, Digest[]>();
      const { images } = this.#src;
      for (const image of await images.list()) {
        const diffIDs = (await images.config(image)).rootfs.diff_ids;
        for (const [i, c] of chainIDs(diffIDs).entries()) if (!out.has(c)) out.set(c, diffIDs.slice(0, i + 1));
      }
      return out;
    })();
    return this.#bases;
  }
}

async function stat(sn: Snapshotter, key: string): Promise<Awaited<ReturnType<Snapshotter['stat']>> | undefined> {
  try {
    const info = await sn.stat(key);
    return info.kind === 'committed' ? info : undefined;
  } catch (err) {
    if (findError(err, NotFoundError) !== undefined) return undefined;
    throw err;
  }
}
