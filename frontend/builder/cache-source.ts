/**
 * `RUN --mount=type=cache,source=SUB`: the SUB path of the cache is mounted
 * instead of the whole cache, as BuildKit mounts a cache mount's selector.
 * SUB must exist (BuildKit fails the same way) and stay in the cache: a `..`
 * above it or a symlink that is absolute or climbs out is refused before
 * anything is mounted (BuildKit clamps such links to the cache instead; see
 * the README's fidelity notes). The cache is shared with other builds' RUN
 * steps, so the path is held open and handed to the runtime as
 * `/proc/<kiln>/fd/N`: a component swapped for a symlink after the check
 * cannot redirect the mount.
 * See https://docs.docker.com/reference/dockerfile/#run---mounttypecache
 */
import { closeSync, constants, fstatSync, openSync, readlinkSync } from 'node:fs';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import { PathEscapeError, resolveBeneathSync } from '../../util/root-path.js';
import type { MountedDir } from './views.js';

/** The SUB of cache directory `dir` (cache `id`), open until `release()`. */
export function cacheSubpath(dir: string, source: string, id: string): MountedDir {
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
    // What was opened is what was resolved: no component on the way was swapped for a link meanwhile.
    if (readlinkSync(`/proc/self/fd/${fd}`) !== host) throw new FailedPreconditionError(`${what}: changed while it was resolved`);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return { path: `/proc/${process.pid}/fd/${fd}`, release: async () => closeSync(fd) };
}
