/**
 * Out-of-space failures: recognising them in an error chain, naming what was
 * being done when they happened, and telling whether a file system is full
 * (for a RUN whose process failed because the disk filled up under it).
 */
import { statfs } from 'node:fs/promises';
import { NoSpaceError } from './errors.js';

/** errno codes that mean "the file system (or the user's quota on it) is full". */
const NO_SPACE_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

/**
 * Free space below this counts as full. A writer that fills a disk stops within
 * a block or an extent of the end; any real step needs more than this.
 */
const FULL_BELOW_BYTES = 1024 * 1024;

/** True when `err` or an error in its `cause` chain (or an AggregateError's members) is ENOSPC or EDQUOT. */
export function isNoSpace(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 32) return false;
  if (err instanceof NoSpaceError) return true;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && NO_SPACE_CODES.has(code)) return true;
  if (err instanceof AggregateError && err.errors.some((e) => isNoSpace(e, depth + 1))) return true;
  return isNoSpace(err.cause, depth + 1);
}

/**
 * Runs `fn`; if it fails because the disk is full, the error becomes one
 * {@link NoSpaceError} saying `doing` (an inner, more precise one is kept).
 */
export async function whileWriting<T>(root: string, doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asNoSpace(err, root, doing);
  }
}

/** `err` as a {@link NoSpaceError} when it is an out-of-space failure (an inner one is kept), else `err` itself. */
export function asNoSpace(err: unknown, root: string, doing: string): unknown {
  if (!isNoSpace(err)) return err;
  return findNoSpace(err) ?? new NoSpaceError(doing, root, { cause: err });
}

function findNoSpace(err: unknown): NoSpaceError | undefined {
  for (let cur: unknown = err, depth = 0; cur instanceof Error && depth < 32; cur = cur.cause, depth++) {
    if (cur instanceof NoSpaceError) return cur;
  }
  return undefined;
}

/**
 * True when the file system holding `path` is (all but) full: its available
 * blocks, not its free ones, since ext4 keeps blocks back that a filled disk
 * still shows as free. False when it cannot be checked.
 */
export async function isFull(path: string): Promise<boolean> {
  const st = await statfs(path).catch(() => undefined);
  if (st === undefined || st.blocks === 0) return false;
  return st.bavail * st.bsize < FULL_BELOW_BYTES;
}
