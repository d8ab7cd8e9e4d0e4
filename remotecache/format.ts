/**
 * The cache image: an OCI image manifest whose config has kiln's own media
 * type, so ordinary registries and OCI layouts store it like any image
 * (https://github.com/opencontainers/image-spec/blob/main/manifest.md#guidelines-for-artifact-usage).
 * The config lists the step snapshots (each a layer on its parent) and the
 * cache records (cache key → snapshots); the manifest's layers are the step
 * layers, uncompressed. Base image layers are not in it: a step chain starts
 * at a base image's chain ID, which the importing machine unpacks itself.
 */
import { chainIDs, MediaType, type Descriptor, type Manifest } from '../store/index.js';
import { isDigest, sha256, type Digest } from '../util/digest.js';
import { FailedPreconditionError } from '../util/errors.js';

export const CACHE_CONFIG_MEDIA_TYPE = 'application/vnd.kiln.cache.config.v1+json';

/** Where a snapshot comes from: nothing (scratch), a base image's layers, or a step of this cache. */
export type SnapshotRef =
  | { readonly kind: 'empty' }
  | { readonly kind: 'base'; readonly chainID: Digest; readonly diffIDs: readonly Digest[] }
  | { readonly kind: 'step'; readonly index: number };

/** One step snapshot: its layer (none when the step changed nothing) applied on its parent. */
export interface CacheStep {
  readonly parent: SnapshotRef;
  readonly layer: { readonly diffID: Digest; readonly size: number } | null;
  /** When the step first ran (ms): its image history `created`, so image ids match across machines. */
  readonly createdAt: number;
}

/** One cache record: the step with cache key `key` produced these snapshots (one per output). */
export interface CacheEntry {
  readonly key: Digest;
  readonly results: readonly SnapshotRef[];
  readonly createdAt: number;
}

/** The cache image's config. Steps come parents first. */
export interface CacheConfig {
  readonly version: 1;
  readonly steps: readonly CacheStep[];
  readonly records: readonly CacheEntry[];
}

/** The config blob's text. */
export function encodeCacheConfig(config: CacheConfig): string {
  return JSON.stringify(config);
}

/** The manifest of a cache image whose config blob is `configText`: one layer per distinct step layer. */
export function cacheManifest(config: CacheConfig, configText: string): Manifest {
  const layers = new Map<Digest, Descriptor>();
  for (const s of config.steps) {
    if (s.layer !== null) layers.set(s.layer.diffID, { mediaType: MediaType.layer, digest: s.layer.diffID, size: s.layer.size });
  }
  return {
    schemaVersion: 2,
    mediaType: MediaType.manifest,
    config: { mediaType: CACHE_CONFIG_MEDIA_TYPE, digest: sha256(configText), size: Buffer.byteLength(configText) },
    layers: [...layers.values()],
  };
}

/** Parses and checks a config blob; `where` names it in errors. */
export function decodeCacheConfig(text: string, where: string): CacheConfig {
  const bad = (what: string): FailedPreconditionError => new FailedPreconditionError(`cache config ${where}: ${what}`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new FailedPreconditionError(`cache config ${where}: not JSON`, { cause: err });
  }
  if (!isObject(v) || v.version !== 1) throw bad(`expected version 1, got ${JSON.stringify(isObject(v) ? v.version : v)}`);
  if (!Array.isArray(v.steps) || !Array.isArray(v.records)) throw bad('expected steps and records arrays');
  const steps: CacheStep[] = [];
  for (const [i, s] of (v.steps as unknown[]).entries()) {
    if (!isObject(s)) throw bad(`step ${i} is not an object`);
    steps.push({ parent: decodeRef(s.parent, i, `step ${i} parent`, bad), layer: decodeLayer(s.layer, `step ${i}`, bad), createdAt: decodeTime(s.createdAt, `step ${i}`, bad) });
  }
  const records: CacheEntry[] = [];
  for (const [i, r] of (v.records as unknown[]).entries()) {
    if (!isObject(r) || typeof r.key !== 'string' || !isDigest(r.key)) throw bad(`record ${i}: expected a sha256 key`);
    if (!Array.isArray(r.results) || r.results.length === 0) throw bad(`record ${i}: expected a non-empty results array`);
    const results = (r.results as unknown[]).map((x, j) => decodeRef(x, steps.length, `record ${i} result ${j}`, bad));
    records.push({ key: r.key, results, createdAt: decodeTime(r.createdAt, `record ${i}`, bad) });
  }
  return { version: 1, steps, records };
}

type Bad = (what: string) => Error;

/** A ref; a step ref must point below `limit` (parents come first, so there are no cycles). */
function decodeRef(v: unknown, limit: number, what: string, bad: Bad): SnapshotRef {
  if (!isObject(v)) throw bad(`${what}: expected an object`);
  switch (v.kind) {
    case 'empty':
      return { kind: 'empty' };
    case 'step': {
      const index = v.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= limit) throw bad(`${what}: step index ${JSON.stringify(index)} out of range`);
      return { kind: 'step', index };
    }
    case 'base': {
      const { chainID, diffIDs } = v;
      if (typeof chainID !== 'string' || !isDigest(chainID)) throw bad(`${what}: expected a sha256 chainID`);
      if (!Array.isArray(diffIDs) || diffIDs.length === 0 || !diffIDs.every((d): d is Digest => typeof d === 'string' && isDigest(d))) throw bad(`${what}: expected sha256 diffIDs`);
      if (chainIDs(diffIDs).at(-1) !== chainID) throw bad(`${what}: chainID ${chainID} does not match its diffIDs`);
      return { kind: 'base', chainID, diffIDs };
    }
    default:
      throw bad(`${what}: unknown kind ${JSON.stringify(v.kind)}`);
  }
}

function decodeLayer(v: unknown, what: string, bad: Bad): CacheStep['layer'] {
  if (v === null) return null;
  if (!isObject(v) || typeof v.diffID !== 'string' || !isDigest(v.diffID)) throw bad(`${what}: expected layer null or {diffID, size}`);
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) throw bad(`${what}: bad layer size ${JSON.stringify(v.size)}`);
  return { diffID: v.diffID, size: v.size };
}

function decodeTime(v: unknown, what: string, bad: Bad): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(`${what}: bad createdAt ${JSON.stringify(v)}`);
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
