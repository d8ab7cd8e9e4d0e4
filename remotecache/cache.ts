/**
 * `--cache-to` and `--cache-from`: export the records a build used, with
 * their step layers, as a cache image; import one before a build. The image
 * format is format.ts's; where it lives (an OCI layout directory, a registry)
 * is the spec's `type`.
 */
import type { ContentStore } from '../cache/index.js';
import type { Snapshotter } from '../cache/index.js';
import type { Descriptor, ImageStore, Mounter } from '../store/index.js';
import type { ClientOptions } from '../registry/index.js';
import { collectCache } from './collect.js';
import { cacheManifest, decodeCacheConfig, encodeCacheConfig } from './format.js';
import { readCacheLayout, writeCacheLayout } from './layout.js';
import { cacheReference } from './ref.js';
import { materialize, type ImportSummary } from './materialize.js';
import type { CacheFromSpec, CacheToSpec } from './spec.js';
import type { StepIndex, StepRecord } from './records.js';

/** The local stores import and export work on (a BuildEnv has them all). */
export interface CacheEnv {
  readonly content: ContentStore;
  readonly snapshotter: Snapshotter;
  readonly images: ImageStore;
  readonly mounter: Mounter;
  readonly tmpDir: string;
}

/** What a build used: its cache records and the final image's snapshot. */
export interface BuildUsage {
  readonly records: readonly StepRecord[];
  /** The final snapshot (undefined for an empty rootfs). */
  readonly top: string | undefined;
}

/** What an export wrote. */
export interface ExportSummary {
  readonly manifest: Descriptor;
  readonly records: number;
  readonly layers: number;
}

/** Options of an export or import. */
export interface CacheOptions {
  readonly signal?: AbortSignal;
  /** Registry client options for `type=registry` (default: docker config credentials, loopback over HTTP). */
  readonly registry?: ClientOptions;
  /** Called with why a `--cache-from` brought nothing (a cache not pushed yet is not an error, as in BuildKit). */
  readonly onWarning?: (message: string) => void;
}

/** Throws for destinations this kiln cannot write (a bad ref), so a build fails before it runs rather than after. */
export function checkCacheTo(specs: readonly CacheToSpec[]): void {
  for (const spec of specs) if (spec.type === 'registry') cacheReference(spec.ref, '--cache-to');
}

/** Writes the cache image for `usage` to `spec`'s destination. */
export async function exportCache(env: CacheEnv, spec: CacheToSpec, usage: BuildUsage, options: CacheOptions = {}): Promise<ExportSummary> {
  options.signal?.throwIfAborted();
  const config = await collectCache(env, usage.records, usage.top, spec.mode);
  const configText = encodeCacheConfig(config);
  const manifest = cacheManifest(config, configText);
  switch (spec.type) {
    case 'local': {
      const layers = manifest.layers.map((l) => ({ digest: l.digest, size: l.size, path: env.content.path(l.digest) }));
      const desc = await writeCacheLayout(spec.dest, configText, manifest, layers);
      return { manifest: desc, records: config.records.length, layers: manifest.layers.length };
    }
    case 'registry': {
      const { pushCache } = await import('./registry.js');
      const desc = await pushCache(env, spec.ref, config, configText, { signal: options.signal, client: options.registry });
      return { manifest: desc, records: config.records.length, layers: manifest.layers.length };
    }
    default: {
      const never: never = spec;
      throw new Error(`internal: unknown cache spec ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Reads the cache image at `spec` and adds what `index` lacks. A source that
 * does not exist yet (the first CI run) imports nothing.
 */
export async function importCache(env: CacheEnv, spec: CacheFromSpec, index: StepIndex, options: CacheOptions = {}): Promise<ImportSummary> {
  switch (spec.type) {
    case 'local': {
      const layout = await readCacheLayout(spec.src);
      if (layout === undefined) {
        options.onWarning?.(`cache ${spec.src} not found; nothing imported`);
        return { imported: 0, present: 0, skipped: 0 };
      }
      const config = decodeCacheConfig(layout.configText, `${spec.src} (${layout.manifest.config.digest})`);
      return materialize({ content: env.content, snapshotter: env.snapshotter, images: env.images, mounter: env.mounter, tmpDir: env.tmpDir, index }, config, layout.open, options.signal);
    }
    case 'registry': {
      const { pullCache } = await import('./registry.js');
      const { warning, ...summary } = await pullCache(env, spec.ref, index, { signal: options.signal, client: options.registry });
      if (warning !== undefined) options.onWarning?.(warning);
      return summary;
    }
    default: {
      const never: never = spec;
      throw new Error(`internal: unknown cache spec ${JSON.stringify(never)}`);
    }
  }
}
