/**
 * What every build op needs: the root's stores, the executor, the context, and
 * build-wide settings. Built once per `kiln build` by the composition root.
 */
import type { ContentStore } from '../../cache/index.js';
import type { Snapshotter } from '../../cache/index.js';
import type { Executor, RunSpec } from '../../executor/index.js';
import type { Mounter } from '../../store/index.js';
import type { ImageStore } from '../../store/index.js';
import type { Result } from '../../solver/index.js';
import type { ContextHasher } from '../context/index.js';
import type { XXHashAPI } from 'xxhash-wasm';
import type { RootLayout } from '../../util/root-layout.js';

/** The environment build ops run in. */
export interface BuildEnv {
  /** Paths under the kiln root (step cache, parse cache, cache mounts). */
  readonly layout: RootLayout;
  readonly content: ContentStore;
  readonly images: ImageStore;
  readonly snapshotter: Snapshotter;
  /** The container executor, created (and swept) on first use: a cached build needs none. */
  executor(): Promise<Executor>;
  readonly mounter: Mounter;
  /** The build context directory (absolute). */
  readonly contextDir: string;
  /** Scratch space for mount points and heredoc files. */
  readonly tmpDir: string;
  /** Clamp layer mtimes and `created` to this (seconds), for reproducible images. */
  readonly sourceDateEpoch: number | undefined;
  /** `kiln build --network`: the default for RUN steps. */
  readonly network: 'host' | 'none';
  /** The build context's hasher (with .dockerignore and the persisted stat cache); opened once. */
  contextHasher(): Promise<ContextHasher>;
  /** Persists the context hasher's stat cache if this build opened it (a build with no COPY from the context never does). */
  saveContextCache(): Promise<void>;
  /** The process's xxhash-wasm instance. */
  xxhash(): Promise<XXHashAPI>;
  /** `--secret` values by id, for `RUN --mount=type=secret`; never part of a cache key or layer. */
  readonly secrets?: ReadonlyMap<string, Buffer>;
  /** `--add-host`, `--shm-size`, `--ulimit`: every RUN step's container; part of RUN's cache key, as in BuildKit. */
  readonly runExtras?: RunExtras;
  /** `--ssh`: agent sockets by id, for `RUN --mount=type=ssh`; never part of a cache key. */
  readonly sshAgents?: ReadonlyMap<string, string>;
}

/** What buildx's flags add to every RUN step's container. */
export type RunExtras = Pick<RunSpec, 'extraHosts' | 'shmSize' | 'rlimits'>;

/**
 * A step's output: a committed snapshot (its key is the result id). `''` is
 * the empty rootfs of `FROM scratch`. Snapshots live on after the build (the
 * cache); `kiln prune` collects them, so releasing is a no-op.
 */
export class SnapshotResult implements Result {
  readonly id: string;
  constructor(id: string) {
    this.id = id;
  }
  async release(): Promise<void> {
    // Snapshots are persistent cache entries: nothing to drop per reference.
  }
}

/** The snapshot key of a result, `undefined` for the empty rootfs. */
export function snapshotOf(r: Result | undefined): string | undefined {
  return r === undefined || r.id === '' ? undefined : r.id;
}
