/**
 * The start-up sweep: a kiln process killed mid-run leaves a running
 * container, a rootfs mount and a bundle. Its owner record (pid + start
 * time) says whether the owner is gone; only then is the bundle swept.
 * Runtime state no bundle accounts for is deleted too (bundles are created,
 * with their owner record, before the runtime hears of a container).
 *
 * On the usual path this is one readdir per directory; the runtime binary is
 * looked up only when there is a dead container to delete, so commands that
 * run no container (`kiln images`) sweep as well. Failures are reported per
 * item, never thrown: one stuck leftover must not stop the command.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { bundlePaths, bundlesDir, readOwner, readSandboxRecord, removeBundle } from './bundle.js';
import { removeSandbox } from './cgroups.js';
import { mountPointsUnder, unmount } from './mount.js';
import { isAlive } from './owner.js';
import { deleteContainer, hasState, type RuntimeHandle } from './runtime-cli.js';
import { resolveRuntime, type RuntimeKind } from './runtime.js';
import { ifExists } from '../util/if-exists.js';

/** What a sweep removed (container ids), and what it could not. */
export interface SweepReport {
  /** Bundles removed (with their mounts). */
  readonly bundles: readonly string[];
  /** Containers deleted from the runtime's state. */
  readonly containers: readonly string[];
  /** One message per leftover that could not be removed. */
  readonly failures: readonly string[];
}

/** The runtime whose state lives in `<stateDir>/<kind>`, resolved when first needed. */
export type HandleFor = (kind: RuntimeKind) => Promise<RuntimeHandle>;

/** A bundle without an owner record younger than this may be being created right now. */
const CREATION_WINDOW_MS = 60_000;
const KINDS: readonly RuntimeKind[] = ['runc', 'crun'];

/** Runtimes found on PATH by kind, for a sweep outside an executor (the state root is `<stateDir>/<kind>`). */
export function pathRuntimes(stateDir: string): HandleFor {
  const found = new Map<RuntimeKind, Promise<RuntimeHandle>>();
  return (kind) => {
    let h = found.get(kind);
    if (h === undefined) found.set(kind, (h = resolveRuntime({ runtime: kind }).then((runtime) => ({ runtime, root: join(stateDir, kind) }))));
    return h;
  };
}

/** Sweeps `stateDir`; `handleFor` gives the runtime for containers whose bundle names none. */
export async function sweepState(stateDir: string, handleFor: HandleFor): Promise<SweepReport> {
  const bundles: string[] = [];
  const containers: string[] = [];
  const failures: string[] = [];
  const live = new Set<string>();
  const attempt = async (what: string, step: () => Promise<void>): Promise<boolean> =>
    step().then(
      () => true,
      (err: unknown) => {
        failures.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      },
    );
  for (const id of await list(bundlesDir(stateDir))) {
    const paths = bundlePaths(stateDir, id);
    const record = await readOwner(paths);
    if (record === undefined ? await isYoung(paths.dir) : await isAlive(record.owner)) {
      live.add(id);
      continue;
    }
    if (record !== undefined) {
      const handle = { runtime: record.runtime, root: record.runtimeRoot };
      if (await hasState(handle, id)) {
        if (!(await attempt(`deleting container ${id}`, () => deleteContainer(handle, id)))) {
          // Its rootfs stays mounted while the container may still run; the next sweep tries again.
          live.add(id);
          continue;
        }
        containers.push(id);
      }
    }
    const removed = await attempt(`removing bundle ${paths.dir}`, async () => {
      for (const point of await mountPointsUnder(paths.dir)) await unmount(point, { detach: true });
      await removeSandbox(await readSandboxRecord(paths));
      await removeBundle(paths);
    });
    if (removed) bundles.push(id);
  }
  for (const kind of KINDS) {
    for (const id of await list(join(stateDir, kind))) {
      if (live.has(id) || containers.includes(id)) continue;
      if (await attempt(`deleting container ${id}`, async () => deleteContainer(await handleFor(kind), id))) containers.push(id);
    }
  }
  return { bundles, containers, failures };
}

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
}

async function isYoung(dir: string): Promise<boolean> {
  const st = await ifExists(stat(dir));
  return st !== undefined && Date.now() - st.mtimeMs < CREATION_WINDOW_MS;
}
