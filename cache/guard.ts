/**
 * The contract between reuse and garbage collection. A kiln process that
 * decides to reuse a blob or snapshot that already exists (a cache hit, a blob
 * it need not write again, a layer already unpacked) records it as used and
 * checks that it exists in one step that excludes a concurrent collection;
 * a collection never removes what a live process recorded (see lease.ts).
 */
import type { Digest } from '../util/digest.js';

/** Blobs and snapshots a process is about to rely on. Snapshots keep their parents. */
export interface UsedRefs {
  readonly blobs?: readonly Digest[];
  readonly snapshots?: readonly string[];
  /** `RUN --mount=type=cache` ids. */
  readonly cacheMounts?: readonly string[];
}

/** Records `refs` as used by this process, then runs `check` (usually: does it still exist?), with no collection in between. */
export interface UseGuard {
  use<T>(refs: UsedRefs, check: () => Promise<T>): Promise<T>;
}
