import { findError, NotFoundError } from '../../util/errors.js';
import type { Snapshotter } from './types.js';

/** True when `key` names a committed snapshot; false when it is missing or still active. */
export async function isCommitted(sn: Snapshotter, key: string): Promise<boolean> {
  try {
    return (await sn.stat(key)).kind === 'committed';
  } catch (err) {
    if (findError(err, NotFoundError) !== undefined) return false;
    throw err;
  }
}
