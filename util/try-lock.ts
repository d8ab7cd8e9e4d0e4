/**
 * A lock that is taken only if free: for work that one process doing is
 * enough (a start-up sweep), so others skip it instead of waiting. The lock
 * is a symlink whose target is the owner's `pid:starttime` (util/lock.ts):
 * symlink(2) creates it with its content in one step, so there is never an
 * ownerless lock, and a dead owner's lock is taken over.
 */
import { readlink, rm, symlink } from 'node:fs/promises';
import { isAlive, processIdentity } from './lock.js';
import { ifExists } from './if-exists.js';

/** Takes the lock `path` and returns its release, or undefined when a live process holds it. */
export async function tryLock(path: string): Promise<(() => Promise<void>) | undefined> {
  const me = processIdentity() ?? `${process.pid}:`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await symlink(me, path);
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await ifExists(readlink(path));
    if (owner === undefined || isAlive(owner)) return undefined;
    // Two processes taking over one stale lock can both end up holding it: callers
    // must only use this for work that is safe, merely redundant, when done twice.
    await rm(path, { force: true });
  }
  return undefined;
}
