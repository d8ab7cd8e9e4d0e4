/**
 * The one way a build step changes a rootfs (RUN, COPY/ADD, WORKDIR):
 * prepare a writable snapshot on the parent's, let the op change it (through
 * a container or mounted on the host), then commit it with its layer, or
 * remove it when anything failed. Each stage names what kiln was doing, so a
 * full disk says so.
 */
import { randomBytes } from 'node:crypto';
import { newStepKey, ownedLabels, type Mount } from '../../cache/index.js';
import type { OpContext } from '../../solver/index.js';
import { whileWriting } from '../../util/no-space.js';
import { commitStep } from './layer-commit.js';
import type { StepResult } from './result.js';
import { layerOptions, type BuildScope } from './scope.js';
import { mountDir, type MountedDir } from './views.js';

/** The writable snapshot a step is changing. */
export interface ActiveSnapshot {
  /** Its mounts, for a container's rootfs (the executor mounts them). */
  readonly mounts: readonly Mount[];
  /** Mounts it on the host (once) for kiln's own file operations; unmounted before the commit. */
  hostPath(): Promise<string>;
  /** Its own changes so far (the overlay upper dir). */
  layerDir(): Promise<string>;
}

/** What {@link changeStep} works on. */
export interface StepChange {
  /** The step's progress name (`[2/3] RUN make`), for messages. */
  readonly name: string;
  /** Names the working snapshot (`run`, `copy`, `workdir`), for whoever looks under the root. */
  readonly kind: string;
  /** The rootfs the step starts from. */
  readonly parent: StepResult | undefined;
}

/** Runs `change` on a writable snapshot of `step.parent` and commits the result as a new step snapshot. */
export async function changeStep(scope: BuildScope, ctx: OpContext, step: StepChange, change: (active: ActiveSnapshot) => Promise<void>): Promise<StepResult> {
  const { snapshotter, layout } = scope.worker;
  const root = layout.root;
  const active = `${step.kind}-${randomBytes(8).toString('hex')}`;
  const parent = step.parent?.snapshot;
  const preparing = `preparing ${step.name}`;
  const mounts = await whileWriting(root, preparing, () => snapshotter.prepare(active, parent, { labels: ownedLabels() }));
  let mounted: Promise<MountedDir> | undefined;
  const unmount = async (): Promise<void> => {
    const m = mounted;
    mounted = undefined;
    if (m !== undefined) await (await m).release();
  };
  try {
    await change({
      mounts,
      hostPath: async () => (await (mounted ??= whileWriting(root, preparing, () => mountDir(scope.worker, mounts)))).path,
      layerDir: () => snapshotter.layerDir(active),
    });
    await unmount();
    const commit = { active, parent, key: newStepKey() };
    return await whileWriting(root, `writing the layer of ${step.name}`, () => commitStep(snapshotter, scope.worker.content, commit, layerOptions(scope, ctx.signal)));
  } catch (err) {
    await unmount().catch(() => undefined);
    await snapshotter.remove(active).catch(() => undefined);
    throw err;
  }
}
