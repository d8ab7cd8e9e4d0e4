/** Snapshots: the {@link Snapshotter} interface and its two implementations. */
export type { Cleaner, CleanupOptions, CleanupReport, Mount, SnapshotInfo, SnapshotKind, Snapshotter, Usage } from './types.js';
export { OWNER_LABEL, ownedLabels } from './owner.js';
export { NativeSnapshotter } from './native.js';
export { OverlaySnapshotter } from './overlay.js';
export { isCommitted } from './committed.js';
export { removeOrphanDir, scanSnapshots, withDescendants, type SnapshotProblem, type SnapshotScan } from './fsck.js';
