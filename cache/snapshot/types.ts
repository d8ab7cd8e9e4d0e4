/**
 * Snapshots (modelled on containerd's snapshots.Snapshotter).
 *
 * Terms: a snapshot has a `key` (the caller's name for it, unique in the store).
 * Kinds: `active` snapshots come only from `prepare` (writable) and `view`
 * (read-only); `committed` ones only from `commit`. Neither becomes the other:
 * `commit(name, key)` turns the active snapshot `key` into the committed
 * snapshot `name` and `key` ceases to exist. A snapshot's `parent` is always a
 * committed snapshot. A committed snapshot with children cannot be removed.
 */

import type { Mount } from '../../oci/index.js';

/** Snapshotters return `bind` or `overlay` mounts (the one OCI mount type); only executor/ performs them. */
export type { Mount };

export type SnapshotKind = 'active' | 'view' | 'committed';

export interface SnapshotInfo {
  readonly key: string;
  readonly kind: SnapshotKind;
  readonly parent: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: number;
}

export interface Usage {
  /** Bytes used by this snapshot's own layer (not its parents). */
  readonly size: number;
  readonly inodes: number;
}

import type { UseGuard } from '../guard.js';

/** See the module comment for the lifecycle. All paths returned are absolute. */
export interface Snapshotter {
  /** Creates an active, writable snapshot on top of `parent` (or empty). */
  prepare(key: string, parent?: string, options?: { labels?: Record<string, string> }): Promise<Mount[]>;
  /** Creates a read-only active snapshot of `parent`. */
  view(key: string, parent?: string, options?: { labels?: Record<string, string> }): Promise<Mount[]>;
  /** The mounts of an active snapshot. */
  mounts(key: string): Promise<Mount[]>;
  /** Turns active `key` into committed `name`. Throws AlreadyExistsError when `name` exists. */
  commit(name: string, key: string, options?: { labels?: Record<string, string> }): Promise<void>;
  /** Removes a snapshot (active or committed without children). */
  remove(key: string): Promise<void>;
  /** Throws NotFoundError when absent. */
  stat(key: string): Promise<SnapshotInfo>;
  walk(fn: (info: SnapshotInfo) => void | Promise<void>): Promise<void>;
  usage(key: string): Promise<Usage>;
  /**
   * The directory holding this snapshot's own changes: for an active snapshot
   * its upper dir (the diff of a step), for a committed one its layer dir.
   */
  layerDir(key: string): Promise<string>;
  /** Records reused snapshots as used by this process (see cache/guard.ts); {@link isCommitted} goes through it. */
  readonly guard?: UseGuard | undefined;
}

/** A snapshotter that can remove what killed processes left (containerd's snapshots.Cleaner). */
export interface Cleaner {
  /** Removes abandoned directories and working snapshots of dead processes; never what a live process holds. */
  cleanup(options?: CleanupOptions): Promise<CleanupReport>;
}

export interface CleanupOptions {
  /**
   * Asked only when a directory no record names turns up: kiln versions that
   * did not name new directories by owner made them in place before recording
   * them, so such a directory goes only when this says no other kiln runs.
   * Default: it always goes.
   */
  readonly othersIdle?: () => Promise<boolean>;
  /**
   * Runs the removal of recorded snapshots (only when there are some to remove)
   * exclusively of garbage collections, which list snapshots and then remove them.
   * Default: runs it directly.
   */
  readonly exclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
  /**
   * Drop records whose directory is gone, with their descendants (nothing can
   * mount them). Not a crash leftover of this layout but damage: `kiln check`
   * turns it off to report it. Default: true.
   */
  readonly dangling?: boolean;
}

/** What {@link Cleaner.cleanup} removed. */
export interface CleanupReport {
  /** Directories: half-made or half-deleted by a dead process, or named by no record. */
  readonly dirs: number;
  /** Keys of records whose directory was gone (and of their descendants). */
  readonly dangling: readonly string[];
  /** Keys of working snapshots whose owner process has exited. */
  readonly abandoned: readonly string[];
}
