/**
 * What a build runs on: the long-lived services of one kiln root, opened once
 * by the composition root (cli/worker.ts) and shared by every build of the
 * process. Nothing here is per build; that is the {@link BuildRequest}'s.
 */
import type { ContentStore, Snapshotter } from '../../cache/index.js';
import type { Executor } from '../../executor/index.js';
import type { ClientOptions } from '../../registry/index.js';
import type { CacheStore } from '../../solver/index.js';
import type { ImageStore, Mounter } from '../../store/index.js';
import type { RootLayout } from '../../util/root-layout.js';

/**
 * A build worker (BuildKit's worker: snapshotter, content, executor).
 *
 * Lifecycle: the composition root opens it (choosing the snapshot driver of
 * the root and the OCI runtime) and keeps it for the process; `build()` only
 * borrows it. The executor is opened on first use: a fully cached build runs
 * no container and never looks for a runtime.
 */
export interface Worker {
  /** Every path under the kiln root (parse cache, context stat caches, cache mounts). */
  readonly layout: RootLayout;
  readonly content: ContentStore;
  readonly images: ImageStore;
  readonly snapshotter: Snapshotter;
  /** Host mounts of snapshots (only executor/ mounts; injected). */
  readonly mounter: Mounter;
  /**
   * The build cache index: step cache key → the step's result ids, loaded
   * with {@link loadStepResult} over this worker's snapshotter.
   */
  readonly cacheIndex: CacheStore;
  /** The container executor (runc or crun, chosen when the worker opened); opened on first use. */
  executor(): Promise<Executor>;
  /** This process's scratch dir on the root's file system (mount points, heredoc and secret files). */
  readonly tmpDir: string;
  /** Registry client options for base image pulls, `--push` and registry caches (default: the docker config's credentials). */
  readonly registry?: ClientOptions;
}
