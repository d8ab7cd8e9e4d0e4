/**
 * Local storage modelled on containerd (DESIGN.md): the content store, the
 * snapshotters, leases and the reuse guard, garbage collection.
 */
export * from './content/index.js';
export * from './snapshot/index.js';
export type { UsedRefs, UseGuard } from './guard.js';
export { STEP_LABELS, isStepKey, layerBlobOf, newStepKey, stepCreatedAt, stepKeyFrom, stepLabels, stepLayerOf, type StepLayer } from './step-snapshot.js';
export { acquireSession, type Lease, type LiveUse } from './lease.js';
export { collect, type GcResult, type GcSources, type ImageRoots, type RecordSource } from './gc.js';
export { cacheBytes, chainOf, isDisposable, planPrune, type CacheEntry, type CacheMountEntry, type CachePolicy, type PrunePlan, type RootPicture, type SnapshotNode } from './gc-plan.js';
