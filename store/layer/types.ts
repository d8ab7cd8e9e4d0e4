/**
 * Public types of layer diff and apply. A layer is an uncompressed tar of a
 * filesystem changeset with OCI whiteouts:
 * https://github.com/opencontainers/image-spec/blob/main/layer.md
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../../util/digest.js';

/**
 * What to diff: an overlayfs upper dir (a path; deletions are 0/0 char devices,
 * opaque dirs carry `trusted.overlay.opaque=y`), or two full trees compared
 * file by file (for the copy-based snapshotter).
 */
export type DiffInput = string | { readonly lower: string; readonly upper: string };

/** Options of {@link createDiffStream}. */
export interface DiffOptions {
  /** Clamp mtimes newer than this (seconds) to it, for reproducible layers. */
  readonly sourceDateEpoch?: number;
  readonly signal?: AbortSignal;
}

/** Options of {@link applyLayer}. */
export interface ApplyOptions {
  readonly signal?: AbortSignal;
}

/**
 * The uncompressed layer's identity: its diffID (sha256 of the tar,
 * https://github.com/opencontainers/image-spec/blob/main/config.md#layer-diffid)
 * and its size in bytes.
 */
export interface LayerDigest {
  readonly diffID: Digest;
  readonly size: number;
}

/** A layer tar being produced: read `stream`; `done` settles once it has been read to the end. */
export interface DiffStream {
  readonly stream: Readable;
  readonly done: Promise<LayerDigest>;
}
