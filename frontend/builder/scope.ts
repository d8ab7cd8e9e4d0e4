/**
 * One build as its ops see it: the worker's long-lived services, the
 * request's settings, and what the build opens once for all its steps (the
 * context hasher). Made by `build()`, dropped when it returns.
 */
import type { XXHashAPI } from 'xxhash-wasm';
import xxhashWasm from 'xxhash-wasm';
import { ContextHasher, ignoreMatcher, readDockerignore } from '../context/index.js';
import type { BuildRequest } from './request.js';
import type { Worker } from './worker.js';

let xx: Promise<XXHashAPI> | undefined;
/** The process's xxhash-wasm instance. */
export const xxhash = (): Promise<XXHashAPI> => (xx ??= xxhashWasm());

/** What every op of one build gets. */
export interface BuildScope {
  readonly worker: Worker;
  readonly request: BuildRequest;
  /** The build context's hasher (with .dockerignore and the persisted stat cache), opened on first use. */
  contextHasher(): Promise<ContextHasher>;
  /** Persists the context hasher's stat cache if this build opened it (a build with no COPY from the context never does). */
  saveContextCache(): Promise<void>;
}

/** The scope of building `request` on `worker`. */
export function buildScope(worker: Worker, request: BuildRequest): BuildScope {
  let hasher: Promise<ContextHasher> | undefined;
  return {
    worker,
    request,
    contextHasher: () =>
      (hasher ??= (async () =>
        ContextHasher.open({
          root: request.contextDir,
          xxhash: await xxhash(),
          ignore: ignoreMatcher(await readDockerignore(request.contextDir, request.dockerfile.path)),
          resetOwner: true,
          cacheDir: worker.layout.contextCache,
        }))()),
    saveContextCache: async () => {
      if (hasher !== undefined) await (await hasher).save();
    },
  };
}

/** Options of a layer write for this build: the signal, and SOURCE_DATE_EPOCH when set. */
export function layerOptions(scope: BuildScope, signal: AbortSignal): { sourceDateEpoch?: number; signal: AbortSignal } {
  const sde = scope.request.sourceDateEpoch;
  return sde === undefined ? { signal } : { sourceDateEpoch: sde, signal };
}
