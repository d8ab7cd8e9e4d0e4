/**
 * The one root-confined path resolver: every component of a path is resolved
 * inside a root, symlinks (absolute or relative) and `..` are clamped at it,
 * like openat2(2) with RESOLVE_IN_ROOT. Container rootfs paths
 * (resolveInRoot) and COPY sources in a context or stage (SourceTree.resolve)
 * both walk with it, so the two cannot drift apart; each supplies a
 * {@link ComponentLookup} (lstat on disk, or the context's cached view).
 *
 * Synchronous on purpose: a lookup is a few lstat(2) calls on a local
 * filesystem, and a thread-pool round trip per call costs more than the call;
 * container start-up does dozens of them.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FailedPreconditionError, NotFoundError } from './errors.js';

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS). */
export const MAX_SYMLINKS = 40;

/** What one path component is. */
export type Component =
  | { readonly kind: 'link'; readonly target: string }
  | { readonly kind: 'dir' }
  | { readonly kind: 'other' }
  | { readonly kind: 'missing' };

/**
 * Looks up `parts` (components under the root, already resolved: none of
 * them but possibly the last is a symlink). Must not follow symlinks itself.
 */
export type ComponentLookup = (parts: readonly string[]) => Component;

export interface ConfinedOptions {
  /** Resolve a final symlink too (default true); false stops at it (for lstat/unlink). */
  readonly followLast?: boolean;
  /**
   * `append`: components that do not exist are appended as they are, so the
   * result may not exist (a destination to create). `fail`: a missing
   * component, or a non-directory with components after it, throws
   * NotFoundError naming it (a source that must exist).
   */
  readonly missing: 'append' | 'fail';
  /** Names the lookup in messages, e.g. `/etc/passwd in /rootfs`. */
  readonly what: string;
  /**
   * `clamp` (default): `..` stops at the root and an absolute symlink starts
   * over at it, like RESOLVE_IN_ROOT. `refuse`: either throws PathEscapeError,
   * like RESOLVE_BENEATH, for paths that must name something under the root.
   */
  readonly escape?: 'clamp' | 'refuse';
}

/** A path or a symlink on its way that would leave the root it is resolved in (`escape: 'refuse'`). */
export class PathEscapeError extends FailedPreconditionError {
  /** The part that escapes: `..`, or `/link -> target`. */
  readonly via: string;

  constructor(what: string, via: string) {
    super(`resolving ${what}: ${via} leaves the root`);
    this.via = via;
  }
}

/** The resolved components of `path` under the root; join them to the root to use them. */
export function resolveConfined(path: string, lookup: ComponentLookup, options: ConfinedOptions): string[] {
  const followLast = options.followLast ?? true;
  let todo = splitPath(path);
  const done: string[] = [];
  let links = 0;
  // The last symlink followed, for PathEscapeError (a `..` after one may come from its target).
  let lastLink: string | undefined;
  // Index in `done` of the first component that does not exist (-1: all exist).
  // Below it nothing can be a symlink, so lookups stop; a `..` that climbs
  // back above it (from a path or a link target such as `nope/../link`) must
  // start them again, or a link after it would be returned unresolved.
  let missingAt = -1;
  while (todo.length > 0) {
    const [part = '', ...rest] = todo;
    todo = rest;
    if (part === '..') {
      if (done.length === 0 && options.escape === 'refuse') throw new PathEscapeError(options.what, lastLink ?? '..');
      done.pop();
      if (missingAt >= done.length) missingAt = -1;
      continue;
    }
    const last = rest.length === 0;
    const c: Component = missingAt >= 0 ? { kind: 'missing' } : lookup([...done, part]);
    if (c.kind === 'missing' && options.missing === 'fail') throw new NotFoundError(`${JSON.stringify(`/${[...done, part].join('/')}`)}: not found`);
    if (c.kind === 'missing' && missingAt < 0) missingAt = done.length;
    if (c.kind !== 'link' || (last && !followLast)) {
      if (c.kind === 'other' && !last && options.missing === 'fail') throw new NotFoundError(`${JSON.stringify(`/${[...done, part].join('/')}`)}: not a directory`);
      done.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new FailedPreconditionError(`resolving ${options.what}: too many levels of symbolic links`);
    lastLink = `/${[...done, part].join('/')} -> ${c.target}`;
    if (c.target.startsWith('/')) {
      if (options.escape === 'refuse') throw new PathEscapeError(options.what, lastLink);
      done.length = 0;
    }
    todo = [...splitPath(c.target), ...todo];
  }
  return done;
}

/** `path` split into components, without empty ones and `.`. */
export function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

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
  const lookup = (parts: readonly string[]): Component => diskComponent(join(root, ...parts));
  return join(root, ...resolveConfined(path, lookup, { followLast: options.followLast ?? true, missing: 'append', what: `${path} in ${root}` }));
}

/**
 * The host path of `path` under `root`, which must exist and must not leave
 * it: a `..` above the root or a symlink on the way that is absolute or climbs
 * above it throws PathEscapeError; a missing component, NotFoundError.
 * Symlinks inside the root are followed (the last one too).
 */
export function resolveBeneathSync(root: string, path: string, what: string): string {
  const lookup = (parts: readonly string[]): Component => diskComponent(join(root, ...parts));
  return join(root, ...resolveConfined(path, lookup, { missing: 'fail', escape: 'refuse', what }));
}

/** lstat(2) of one component; ENOTDIR (a file's child) is as missing as ENOENT. */
function diskComponent(hostPath: string): Component {
  try {
    const st = lstatSync(hostPath);
    if (st.isSymbolicLink()) return { kind: 'link', target: readlinkSync(hostPath) };
    return st.isDirectory() ? { kind: 'dir' } : { kind: 'other' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    throw err;
  }
}
