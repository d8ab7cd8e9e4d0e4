/**
 * "Absent" as one error code, not every failure: a stat or read that fails
 * because nothing is there (ENOENT) reads as undefined; EACCES, EIO, ELOOP …
 * are real failures and propagate, so they are never reported as "no such file".
 */

/** True for the error a missing path gives. */
export function isNotExist(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** `p`'s value, or undefined when it failed with ENOENT. */
export async function ifExists<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotExist(err)) return undefined;
    throw err;
  }
}
