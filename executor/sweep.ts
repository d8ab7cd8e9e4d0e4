/**
 * The start-up sweep: a kiln process killed mid-run leaves a running
 * container, a rootfs mount and a bundle. Its owner record (pid + start
 * time) says whether the owner is gone; only then is the bundle swept.
 */
import { readdir, stat } from 'node:fs/promises';
import { bundlePaths, bundlesDir, readOwner, removeBundle } from './bundle.js';
import { mountPointsUnder, unmount } from './mount.js';
import { isAlive } from './owner.js';
import { deleteContainer, hasState, type RuntimeHandle } from './runtime-cli.js';

/** What a sweep removed (container ids). */
export interface SweepReport {
  /** Bundles removed (with their mounts). */
  readonly bundles: readonly string[];
  /** Containers deleted from the runtime's state. */
  readonly containers: readonly string[];
}

/** A bundle without an owner record younger than this may be being created right now. */
const CREATION_WINDOW_MS = 60_000;

/** Sweeps `stateDir`; `current` is the runtime for containers whose bundle names none. */
export async function sweepState(stateDir: string, current: RuntimeHandle): Promise<SweepReport> {
  const bundles: string[] = [];
  const containers: string[] = [];
  const live = new Set<string>();
  for (const id of await list(bundlesDir(stateDir))) {
    const paths = bundlePaths(stateDir, id);
    const record = await readOwner(paths);
    if (record === undefined ? await isYoung(paths.dir) : await isAlive(record.owner)) {
      live.add(id);
      continue;
    }
    const handle = record === undefined ? current : { runtime: record.runtime, root: record.runtimeRoot };
    if (await hasState(handle, id)) {
      await deleteContainer(handle, id);
      containers.push(id);
    }
    for (const point of await mountPointsUnder(paths.dir)) await unmount(point, { detach: true });
    await removeBundle(paths);
    bundles.push(id);
  }
  for (const id of await list(current.root)) {
    if (live.has(id) || containers.includes(id)) continue;
    await deleteContainer(current, id);
    containers.push(id);
  }
  return { bundles, containers };
}

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
}

async function isYoung(dir: string): Promise<boolean> {
  const st = await stat(dir).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs < CREATION_WINDOW_MS;
}
