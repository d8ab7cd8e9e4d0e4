/**
 * `RUN --mount=type=cache,source=SUB`: the SUB path of the cache is mounted
 * instead of the whole cache, as BuildKit mounts a cache mount's selector.
 * SUB must exist (BuildKit fails the same way) and stay in the cache: a `..`
 * above it or a symlink that is absolute or climbs out is refused before
 * anything is mounted (BuildKit resolves such links inside the cache instead;
 * see the README's fidelity notes). The cache is shared with other builds'
 * RUN steps, so SUB is opened, checked to be what was resolved, and bound
 * from the open descriptor (`/proc/<kiln>/fd/N`) onto a scratch mount point
 * the runtime then binds: a component swapped for a symlink after the check
 * cannot redirect the mount.
 * See https://docs.docker.com/reference/dockerfile/#run---mounttypecache
 */
import { closeSync, constants, fstatSync, openSync, readlinkSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import { PathEscapeError, resolveBeneathSync } from '../../util/root-path.js';
import type { Mounter } from '../../store/index.js';
import type { MountedDir } from './views.js';

/** An open descriptor on SUB of cache directory `dir` (cache `id`), checked; `path` is its magic link. */
export interface HeldPath {
  readonly path: string;
  readonly isDir: boolean;
  close(): void;
}

/** Resolves and opens SUB; see the file comment. */
export function openCacheSubpath(dir: string, source: string, id: string): HeldPath {
  const what = `mount source ${JSON.stringify(source)} of cache ${JSON.stringify(id)}`;
  let host: string;
  try {
    host = resolveBeneathSync(dir, source, what);
  } catch (err) {
    if (err instanceof PathEscapeError) throw new InvalidArgumentError(`${what}: leaves the cache (${err.via})`, { cause: err });
    if (err instanceof NotFoundError) throw new NotFoundError(`${what}: not found`, { cause: err });
    throw err;
  }
  let fd: number;
  try {
    // O_NOFOLLOW: the last component was resolved, a link there now was swapped in; O_NONBLOCK: a FIFO must not hang us
    // (Node opens with O_CLOEXEC: the runtime and other children do not inherit it).
    fd = openSync(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw new FailedPreconditionError(`${what}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isDirectory() && !st.isFile()) throw new InvalidArgumentError(`${what}: not a directory or a regular file`);
    // What was opened is what was resolved: no component on the way was swapped for a link meanwhile
    // (compared below the cache's real path: the root itself may sit behind a symlink).
    if (readlinkSync(`/proc/self/fd/${fd}`) !== join(realpathSync(dir), relative(dir, host))) throw new FailedPreconditionError(`${what}: changed while it was resolved`);
    return { path: `/proc/${process.pid}/fd/${fd}`, isDir: st.isDirectory(), close: () => closeSync(fd) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** Removes an unmounted mount point and its dir, never recursively: a mount left there keeps its files. */
async function removePoint(point: string, isDir: boolean): Promise<void> {
  await (isDir ? rmdir(point) : rm(point, { force: true }));
  await rmdir(join(point, '..'));
}

/**
 * SUB of cache directory `dir`, bound on a mount point of its own until
 * `release()`. Not under the step's scratch dir, which is removed
 * recursively: were an unmount to fail, that would reach into the cache.
 */
export async function mountCacheSubpath(env: { readonly mounter: Mounter; readonly tmpDir: string }, dir: string, source: string, id: string): Promise<MountedDir> {
  const held = openCacheSubpath(dir, source, id);
  let base: string | undefined;
  try {
    base = await mkdtemp(join(env.tmpDir, 'kiln-cache-'));
    const point = join(base, 'm');
    await (held.isDir ? mkdir(point) : writeFile(point, ''));
    await env.mounter.mountAll([{ type: 'bind', source: held.path, options: ['bind'] }], point);
    const release = async (): Promise<void> => {
      await env.mounter.unmount(point);
      await removePoint(point, held.isDir);
    };
    return { path: point, release };
  } catch (err) {
    // Nothing is mounted here (mountAll undoes its own): only the empty point and its dir are left.
    if (base !== undefined) await removePoint(join(base, 'm'), held.isDir).catch(() => undefined);
    throw err;
  } finally {
    held.close();
  }
}
