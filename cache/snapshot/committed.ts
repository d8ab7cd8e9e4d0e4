import { findError, NotFoundError } from '../../util/errors.js';
import type { Snapshotter } from './types.js';

/**
 * True when `key` names a committed snapshot; false when it is missing or still active.
 * A caller that reuses it is protected from a concurrent prune by the snapshotter's guard.
 */
export async function isCommitted(sn: Snapshotter, key: string): Promise<boolean> {
  const check = (): Promise<boolean> => committed(sn, key);
  return sn.guard === undefined ? check() : sn.guard.use({ snapshots: [key] }, check);
}

async function committed(sn: Snapshotter, key: string): Promise<boolean> {
  try {
    return (await sn.stat(key)).kind === 'committed';
  } catch (err) {
    if (findError(err, NotFoundError) !== undefined) return false;
    throw err;
  }
}
