/**
 * Host-side path resolution inside a container rootfs that never leaves it:
 * every component is resolved in the rootfs, symlinks (absolute or relative)
 * and `..` are clamped at its root, like openat2(2) with RESOLVE_IN_ROOT.
 *
 * Synchronous on purpose: a lookup is a few lstat(2) calls on a local
 * rootfs, and a thread-pool round trip per call costs more than the call;
 * container start-up does dozens of them.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FailedPreconditionError } from '../util/errors.js';

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

/**
 * The host path of `path` (absolute, as seen inside the container) under
 * `root`, with every symlink resolved inside `root`. Components that do not
 * exist are appended as they are (cleaned), so the result may not exist.
 * The last component is resolved too; pass `{ followLast: false }` to stop
 * at a final symlink (for lstat/unlink).
 */
export async function resolveInRoot(root: string, path: string, options: { followLast?: boolean } = {}): Promise<string> {
  return resolveInRootSync(root, path, options);
}

/** {@link resolveInRoot}, synchronously. */
export function resolveInRootSync(root: string, path: string, options: { followLast?: boolean } = {}): string {
  const followLast = options.followLast ?? true;
  let todo = split(path);
  const done: string[] = [];
  let links = 0;
  // Index in `done` of the first component that does not exist (-1: all exist).
  // Below it nothing can be a symlink, so lookups stop; a `..` that climbs
  // back above it (from a path or a link target such as `nope/../link`) must
  // start them again, or a link after it would be returned unresolved.
  let missingAt = -1;
  while (todo.length > 0) {
    const [part = '', ...rest] = todo;
    todo = rest;
    if (part === '..') {
      done.pop();
      if (missingAt >= done.length) missingAt = -1;
      continue;
    }
    const target = missingAt >= 0 || (!followLast && rest.length === 0) ? undefined : linkTarget(join(root, ...done, part));
    if (target === null) missingAt = done.length;
    if (typeof target !== 'string') {
      done.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new FailedPreconditionError(`resolving ${path} in ${root}: too many levels of symbolic links`);
    if (target.startsWith('/')) done.length = 0;
    todo = [...split(target), ...todo];
  }
  return join(root, ...done);
}

/** `path` split into components, without empty ones and `.`. */
function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/** A symlink's target; undefined for anything else; null when the path does not exist. */
function linkTarget(hostPath: string): string | undefined | null {
  try {
    const st = lstatSync(hostPath);
    return st.isSymbolicLink() ? readlinkSync(hostPath) : undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}
