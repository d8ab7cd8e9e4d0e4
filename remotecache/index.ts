/**
 * The build cache as a portable image (`--cache-to` / `--cache-from`):
 * export the steps a build used with their layers, import them on another
 * machine so its build finds them CACHED. A second, start-up-light face,
 * spec.ts, parses the `--cache-from` / `--cache-to` flags.
 */
export { checkCacheTo, exportCache, importCache, type BuildUsage, type CacheEnv, type ExportSummary } from './cache.js';
export type { ImportSummary } from './materialize.js';
export type { StepIndex, StepRecord } from './records.js';
export { parseCacheFrom, parseCacheTo, formatCacheSpec, type CacheFromSpec, type CacheToSpec, type CacheSpec, type CacheMode } from './spec.js';
export { CACHE_CONFIG_MEDIA_TYPE, decodeCacheConfig, encodeCacheConfig, type CacheConfig, type CacheEntry, type CacheStep, type SnapshotRef } from './format.js';
