/**
 * The op contract of the builder: every op's result is a {@link StepResult},
 * the committed snapshot it produced and, for a step, the layer its change was
 * stored as and when it first ran. The export reads these directly; the cache
 * index records only the snapshot key (the result id) and
 * {@link loadStepResult} turns it back into the same result in a later process.
 */
import { stepCreatedAt, stepLayerOf, type SnapshotInfo, type Snapshotter, type StepLayer } from '../../cache/index.js';
import type { Result, ResultLoader } from '../../solver/index.js';
import { findError, NotFoundError } from '../../util/errors.js';

export type { StepLayer };

/**
 * One op's output. Snapshots live on after the build (they are the cache);
 * `kiln prune` collects them, so releasing a result is a no-op.
 */
export class StepResult implements Result {
  /** The snapshot key, `''` for the empty rootfs of `FROM scratch`. */
  readonly id: string;
  /** The committed snapshot; undefined for the empty rootfs. */
  readonly snapshot: string | undefined;
  /** The snapshot it was built on (its input's), as the snapshotter records it; undefined when unknown or none. */
  readonly parent: string | undefined;
  /** The layer blob of the step's change; undefined when it changed nothing, and for a base image's snapshot. */
  readonly layer: StepLayer | undefined;
  /** When the step first ran (ms): its history `created`, stable across cached rebuilds; undefined for the empty rootfs. */
  readonly createdAt: number | undefined;

  constructor(out: { readonly snapshot: string | undefined; readonly parent?: string | undefined; readonly layer?: StepLayer | undefined; readonly createdAt?: number | undefined }) {
    this.snapshot = out.snapshot;
    this.parent = out.parent;
    this.id = out.snapshot ?? '';
    this.layer = out.layer;
    this.createdAt = out.createdAt;
  }

  async release(): Promise<void> {
    // Snapshots are persistent cache entries: nothing to drop per reference.
  }
}

/** The empty rootfs (`FROM scratch`). */
export const EMPTY_ROOTFS = new StepResult({ snapshot: undefined });

/** The result a committed snapshot stands for (its step labels, see cache/step-snapshot.ts). */
export function resultOf(info: SnapshotInfo): StepResult {
  return new StepResult({ snapshot: info.key, parent: info.parent, layer: stepLayerOf(info), createdAt: stepCreatedAt(info) });
}

/** The committed snapshot `key`, or undefined when it is gone (or not committed). */
export async function committedInfo(sn: Snapshotter, key: string): Promise<SnapshotInfo | undefined> {
  try {
    const info = await sn.stat(key);
    return info.kind === 'committed' ? info : undefined;
  } catch (err) {
    if (findError(err, NotFoundError) !== undefined) return undefined;
    throw err;
  }
}

/**
 * The cache index's loader: a recorded id back to its result, or undefined
 * (a cache miss) when the snapshot is gone. A reuse is recorded through the
 * snapshotter's guard first, so a concurrent prune keeps it (cache/guard.ts).
 */
export function loadStepResult(sn: Snapshotter): ResultLoader {
  return async (id) => {
    if (id === '') return EMPTY_ROOTFS;
    const check = (): Promise<SnapshotInfo | undefined> => committedInfo(sn, id);
    const info = await (sn.guard === undefined ? check() : sn.guard.use({ snapshots: [id] }, check));
    return info === undefined ? undefined : resultOf(info);
  };
}

/** An op's input as the builder's result (every op of the builder yields {@link StepResult}s). */
export function stepInput(r: Result | undefined): StepResult | undefined {
  if (r === undefined) return undefined;
  if (!(r instanceof StepResult)) throw new Error(`internal: input ${r.id} is not a build step result`);
  return r;
}
