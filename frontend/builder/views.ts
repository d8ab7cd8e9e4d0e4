/**
 * Temporary mounts of snapshots on the host, for ops that read or write a
 * rootfs from kiln itself (COPY, WORKDIR, RUN --mount from a stage). Every
 * view is unmounted and its directory removed by `release()`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ownedLabels, type Mount } from '../../cache/index.js';
import type { Worker } from './worker.js';

/** A mounted directory and how to let it go. */
export interface MountedDir {
  readonly path: string;
  release(): Promise<void>;
}

/** Mounts `mounts` on a fresh temp dir (a single bind is used in place, without mounting). */
export async function mountDir(env: Pick<Worker, 'mounter' | 'tmpDir'>, mounts: readonly Mount[]): Promise<MountedDir> {
  const [only] = mounts;
  if (mounts.length === 1 && only?.type === 'bind') return { path: only.source, release: async () => undefined };
  const dir = await mkdtemp(join(env.tmpDir, 'kiln-mnt-'));
  try {
    await env.mounter.mountAll(mounts, dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    path: dir,
    release: async () => {
      await env.mounter.unmount(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A read-only view of committed snapshot `key` (an empty dir for `undefined`), mounted. */
export async function viewOf(env: Pick<Worker, 'mounter' | 'tmpDir' | 'snapshotter'>, key: string | undefined): Promise<MountedDir> {
  const viewKey = `view-${randomBytes(6).toString('hex')}`;
  const mounts = await env.snapshotter.view(viewKey, key, { labels: ownedLabels() });
  try {
    const m = await mountDir(env, mounts);
    return {
      path: m.path,
      release: async () => {
        await m.release();
        await env.snapshotter.remove(viewKey);
      },
    };
  } catch (err) {
    await env.snapshotter.remove(viewKey).catch(() => undefined);
    throw err;
  }
}

/**
 * Releases `held`, last mounted first (an rw overlay may sit on a view), and
 * then removes `scratch`. Every release is tried; the first failure is thrown
 * and `scratch` is kept (something may still be mounted in it: the next
 * start's sweep unmounts and removes it), so nothing is deleted through a mount.
 */
export async function releaseAll(held: MountedDir[], scratch: string): Promise<void> {
  let failure: { err: unknown } | undefined;
  for (const m of held.splice(0).reverse()) {
    try {
      await m.release();
    } catch (err) {
      failure ??= { err };
    }
  }
  if (failure !== undefined) throw failure.err;
  await rm(scratch, { recursive: true, force: true });
}
