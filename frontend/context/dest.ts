/**
 * Destination paths of COPY/ADD inside a target rootfs (a host directory).
 * Every existing component is resolved inside the rootfs with
 * {@link resolveInRoot}, so a symlink such as `/app -> /etc` lands in the
 * rootfs's `/etc`, never the host's; missing directories are then created
 * one component at a time with checks that nothing was swapped in.
 */
import { closeSync, constants, fchmodSync, fchownSync, fstatSync, lstatSync, mkdirSync, openSync, type Stats } from 'node:fs';
import { resolveInRoot } from '../../executor/index.js';
import { FailedPreconditionError } from '../../util/errors.js';
import { cleanPath } from './go-path.js';
import type { Owner } from './owner.js';

/** A parsed destination. */
export interface Destination {
  /** Absolute, cleaned container path. */
  readonly path: string;
  /** Written as a directory (`/` at the end, `.` or empty): sources go inside it. */
  readonly isDir: boolean;
}

/**
 * Docker's destination rules: a relative destination is below `workdir`;
 * a trailing `/`, `.` or an empty destination means a directory.
 */
export function parseDestination(dest: string, workdir = '/'): Destination {
  const abs = dest.startsWith('/') ? dest : `${workdir.startsWith('/') ? workdir : `/${workdir}`}/${dest}`;
  return { path: cleanPath(abs), isDir: dest === '' || dest === '.' || dest.endsWith('/') };
}

/** The host path of container path `path` in `rootfs`, every symlink resolved inside it. */
export async function hostPath(rootfs: string, path: string): Promise<string> {
  return resolveInRoot(rootfs, path, { followLast: true });
}

/** lstat, or undefined when nothing is there. */
export function lstatOrUndefined(path: string): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}

/**
 * Makes directory `path` (a container path) and its missing parents in
 * `rootfs` with permission bits `mode` (default 0755), owned by `owner`
 * when given (BuildKit chowns the directories it creates for a `--chown`
 * copy); existing ones are left as they are. Returns the directory's host
 * path.
 */
export async function mkdirAllInRoot(rootfs: string, path: string, owner: Owner | undefined, mode = 0o755): Promise<string> {
  const target = await hostPath(rootfs, path);
  const missing: string[] = [];
  let cur = target;
  while (cur.length > rootfs.length && lstatOrUndefined(cur) === undefined) {
    missing.unshift(cur);
    cur = cur.slice(0, cur.lastIndexOf('/'));
  }
  checkDir(cur);
  for (const dir of missing) {
    mkdirSync(dir, 0o700);
    const fd = openDir(dir);
    try {
      if (owner !== undefined) fchownSync(fd, owner.uid, owner.gid);
      fchmodSync(fd, mode); // not subject to the umask, unlike mkdir
    } finally {
      closeSync(fd);
    }
  }
  return target;
}

/** Opens a directory without following a symlink at `path`. */
export function openDir(path: string): number {
  return openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
}

/** Throws unless `path` is a real directory (not a symlink to one). */
export function checkDir(path: string): void {
  const st = lstatOrUndefined(path);
  if (st?.isDirectory() !== true) throw new FailedPreconditionError(`cannot copy to non-directory: ${path}`);
}

/** Whether `path` (resolved) is a directory; false when missing. */
export function isDirAt(path: string): boolean {
  const fd = (() => {
    try {
      return openDir(path);
    } catch {
      return undefined;
    }
  })();
  if (fd === undefined) return false;
  try {
    return fstatSync(fd).isDirectory();
  } finally {
    closeSync(fd);
  }
}
